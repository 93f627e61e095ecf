using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Inventory.Api.Data;

/// <summary>
/// <c>dotnet Inventory.Api.dll migrate</c>: applies the pending migrations and exits (0 applied or nothing to do,
/// 1 failed), without starting the web server; <c>migrate --pending</c> prints the pending migration ids, one a line
/// on standard output, and exits 0. Logs go to standard error. deploy.sh runs it as a step of its own before the
/// candidate starts: see "Migrations" in deploy/README.md.
/// </summary>
/// <remarks>
/// Same advisory lock and schema-compatibility check as <see cref="DatabaseMigrator"/>. Each migration is applied on
/// its own, so each runs in its own transaction (EF Core's default; statements PostgreSQL cannot run in a transaction,
/// such as <c>CREATE INDEX CONCURRENTLY</c>, need <c>suppressTransaction</c> and are then not rolled back).
/// </remarks>
internal static partial class MigrateCommand
{
    public const string Name = "migrate";
    public const string PendingOption = "--pending";

    private const int ConnectAttempts = 10;
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    public static bool IsRequested(string[] args) => args is [Name, ..];

    /// <summary>
    /// The arguments the configuration reads: the command's own removed, and the console logger sent to standard
    /// error, so that standard output carries only what the command prints.
    /// </summary>
    public static string[] ConfigurationArgs(string[] args) => IsRequested(args)
        ? [.. args.Skip(1).Where(a => a != PendingOption), "--Logging:Console:LogToStandardErrorThreshold=Trace"]
        : args;

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        await using var _ = app;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MigrateCommand));
        if (args.Skip(1).FirstOrDefault(a => a != PendingOption && !a.StartsWith("--", StringComparison.Ordinal))
            is { } unknown)
        {
            LogUsage(logger, unknown);
            return 2;
        }
        // SIGTERM (docker stop) cancels the statement in progress: PostgreSQL then rolls its transaction back.
        using var stopping = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        try
        {
            return await RunAsync(app.Services, args.Contains(PendingOption), logger, stopping.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            LogInterrupted(logger);
            return 1;
        }
        catch (DatabaseMigrator.SchemaIncompatibleException ex)
        {
            LogSchemaIncompatible(logger, ex.Message);
            return 1;
        }
        catch (Exception ex)
        {
            var reason = DatabaseMigrator.Describe(ex);
            LogFailed(logger, reason);
            return 1;
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stopping.Cancel();
        }
    }

    private static async Task<int> RunAsync(
        IServiceProvider services, bool pendingOnly, ILogger logger, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        var time = services.GetRequiredService<TimeProvider>();
        if (pendingOnly && !await db.GetService<IRelationalDatabaseCreator>().ExistsAsync(ct))
        {
            // No database yet: everything is pending (migrate creates it).
            db.Database.GetMigrations().ToList().ForEach(Console.Out.WriteLine);
            return 0;
        }
        // No client-side limit (Npgsql's default is 30 s a statement): MIGRATE_TIMEOUT bounds the whole command.
        db.Database.SetCommandTimeout(0);
        await ConnectAsync(db, create: !pendingOnly, time, logger, ct);
        try
        {
            if (!pendingOnly)
            {
                await StopWithClientAsync(db, ct);
                await DatabaseMigrator.AcquireLockAsync(db, time, logger, ct);
            }
            try
            {
                if (await SchemaCompatibility.IncompatibilityAsync(db, ct) is { } reason)
                {
                    throw new DatabaseMigrator.SchemaIncompatibleException(reason);
                }
                var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
                if (pendingOnly)
                {
                    pending.ForEach(Console.Out.WriteLine);
                    LogPending(logger, pending.Count);
                    return 0;
                }
                var migrator = db.GetService<IMigrator>();
                foreach (var migration in pending)
                {
                    LogApplying(logger, migration);
                    var watch = Stopwatch.StartNew();
                    await migrator.MigrateAsync(migration, ct);
                    LogApplied(logger, migration, watch.Elapsed.TotalSeconds);
                }
                LogDone(logger, pending.Count);
                return 0;
            }
            finally
            {
                if (!pendingOnly)
                {
                    await DatabaseMigrator.UnlockAsync(db);
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Opens the connection, retrying while the database is unreachable (a few attempts: the deploy bounds the whole
    /// command by MIGRATE_TIMEOUT); <paramref name="create"/> creates a missing database, as start-up does.
    /// </summary>
    private static async Task ConnectAsync(
        InventoryDbContext db, bool create, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (create)
                {
                    await DatabaseMigrator.EnsureDatabaseExistsAsync(db, ct);
                }
                await db.Database.OpenConnectionAsync(ct);
                return;
            }
            catch (Exception ex) when (attempt < ConnectAttempts && DatabaseMigrator.IsTransient(ex))
            {
                LogUnreachable(logger, attempt, DatabaseMigrator.Describe(ex));
                await Task.Delay(delay, time, ct);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }

    /// <summary>
    /// A killed migrate (MIGRATE_TIMEOUT) cannot cancel its statement; with this setting (PostgreSQL 14+) its server
    /// session notices the closed connection within a second and rolls back, instead of running on for nobody while
    /// holding its locks. Older servers do not know it: the migration runs all the same.
    /// </summary>
    private static async Task StopWithClientAsync(InventoryDbContext db, CancellationToken ct)
    {
        try
        {
            await db.Database.ExecuteSqlRawAsync("SET client_connection_check_interval = 1000", ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedObject)
        {
            // PostgreSQL 13 or older.
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Applying migration {Migration}.")]
    private static partial void LogApplying(ILogger logger, string migration);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information,
        Message = "Applied migration {Migration} in {Seconds:0.0} s.")]
    private static partial void LogApplied(ILogger logger, string migration, double seconds);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information,
        Message = "Database migrated: {Count} migration(s) applied.")]
    private static partial void LogDone(ILogger logger, int count);

    [LoggerMessage(EventId = 23, Level = LogLevel.Information, Message = "{Count} migration(s) pending.")]
    private static partial void LogPending(ILogger logger, int count);

    [LoggerMessage(EventId = 24, Level = LogLevel.Critical,
        Message = "Database migration failed (a migration that fails is rolled back, the ones applied before it stay): "
            + "fix the migration or the database, then run migrate again. {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 25, Level = LogLevel.Critical,
        Message = "Migration interrupted (SIGTERM or SIGINT): the migration in progress was rolled back.")]
    private static partial void LogInterrupted(ILogger logger);

    [LoggerMessage(EventId = 26, Level = LogLevel.Critical,
        Message = "This build cannot run on the database's schema, nothing was migrated: {Reason}")]
    private static partial void LogSchemaIncompatible(ILogger logger, string reason);

    [LoggerMessage(EventId = 27, Level = LogLevel.Warning,
        Message = "Database not reachable yet (attempt {Attempt}): {Reason}")]
    private static partial void LogUnreachable(ILogger logger, int attempt, string reason);

    [LoggerMessage(EventId = 28, Level = LogLevel.Critical,
        Message = "Unknown argument {Argument}. Usage: dotnet Inventory.Api.dll migrate [--pending] "
            + "(--pending prints the pending migration ids and changes nothing).")]
    private static partial void LogUsage(ILogger logger, string argument);
}
