using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Inventory.Api.Data;

/// <summary>
/// Applies EF Core migrations at start-up while the web server already answers <c>/alive</c>.
/// An unreachable database is retried with backoff (readiness stays 503); a migration that fails with an
/// SQL error stops the process with one log line, so a deploy's health gate fails fast and loudly.
/// Two instances never migrate at once: the work runs under a PostgreSQL session advisory lock. A build older than
/// the schema's last contract (<see cref="SchemaCompatibility"/>) stops the same way, before changing anything.
/// With <c>Database:MigrateAtStart=false</c> (what deploy.sh passes: it migrates in a step of its own with
/// <see cref="MigrateCommand"/>) it only checks: pending migrations stop the process like an incompatible schema.
/// </summary>
internal sealed partial class DatabaseMigrator(
    IServiceScopeFactory scopes,
    DatabaseReadiness readiness,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    IConfiguration configuration,
    ILogger<DatabaseMigrator> logger) : BackgroundService
{
    /// <summary>Advisory lock key: the ASCII bytes of "InvMigr8", fixed so every version agrees on it.</summary>
    internal const long MigrationLockKey = 0x496E_764D_6967_7238;

    /// <summary>The setting (<c>Database__MigrateAtStart</c>) that turns migrating at start-up off; on by default.</summary>
    internal const string MigrateAtStartKey = "Database:MigrateAtStart";

    private readonly bool _migrateAtStart = configuration.GetValue(MigrateAtStartKey, true);

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LockPollInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = FirstRetryDelay;
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                var applied = await MigrateOnceAsync(stoppingToken);
                readiness.MarkMigrated();
                LogMigrated(logger, applied);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                var reason = Describe(ex);
                LogDatabaseUnreachable(logger, attempt, delay.TotalSeconds, reason);
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
            catch (SchemaIncompatibleException ex)
            {
                LogSchemaIncompatible(logger, ex.Message);
                Environment.ExitCode = 1;
                lifetime.StopApplication();
                return;
            }
            catch (Exception ex)
            {
                var reason = Describe(ex);
                LogMigrationFailed(logger, reason);
                Environment.ExitCode = 1;
                lifetime.StopApplication();
                return;
            }
        }
    }

    private async Task<int> MigrateOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();

        if (_migrateAtStart)
        {
            await EnsureDatabaseExistsAsync(db, ct);
        }

        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await AcquireLockAsync(db, time, logger, ct);
            try
            {
                // Before migrating: a build too old for a contracted schema must change nothing.
                if (await SchemaCompatibility.IncompatibilityAsync(db, ct) is { } reason)
                {
                    throw new SchemaIncompatibleException(reason);
                }
                var pendingIds = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
                var pending = pendingIds.Count;
                if (pending > 0 && !_migrateAtStart)
                {
                    throw new SchemaIncompatibleException(
                        $"{pending} migration(s) are pending ({string.Join(", ", pendingIds)}) and {MigrateAtStartKey} "
                        + $"is false: apply them first with `dotnet Inventory.Api.dll {MigrateCommand.Name}` "
                        + "(deploy.sh does, before it starts a new version; rollback.sh never migrates)");
                }
                if (pending > 0)
                {
                    await db.Database.MigrateAsync(ct);
                }
                foreach (var seeder in scope.ServiceProvider.GetServices<IDatabaseSeeder>())
                {
                    await seeder.SeedAsync(ct);
                }
                return pending;
            }
            finally
            {
                await UnlockAsync(db);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Pooled connections are not reset on return (<see cref="DatabaseExtensions.WithPoolDefaults"/>), so one must
    /// never go back still holding the lock: if the unlock fails, the pool discards its connections instead of reusing
    /// them.
    /// </summary>
    internal static async Task UnlockAsync(InventoryDbContext db)
    {
        try
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
        }
        catch
        {
            NpgsqlConnection.ClearPool((NpgsqlConnection)db.Database.GetDbConnection());
            throw;
        }
    }

    internal static async Task EnsureDatabaseExistsAsync(InventoryDbContext db, CancellationToken ct)
    {
        var creator = db.GetService<IRelationalDatabaseCreator>();
        if (await creator.ExistsAsync(ct))
        {
            return;
        }
        try
        {
            await creator.CreateAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another instance created it first: that is what we wanted.
        }
    }

    internal static async Task AcquireLockAsync(
        InventoryDbContext db, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        var waited = false;
        while (!await db.Database
            .SqlQuery<bool>($"SELECT pg_try_advisory_lock({MigrationLockKey}) AS \"Value\"")
            .SingleAsync(ct))
        {
            if (!waited)
            {
                LogWaitingForLock(logger);
                waited = true;
            }
            await Task.Delay(LockPollInterval, time, ct);
        }
    }

    /// <summary>Connection trouble that may pass (server down, starting up, network); never an SQL error.</summary>
    internal static bool IsTransient(Exception ex) => ex switch
    {
        PostgresException pg => pg.IsTransient,
        NpgsqlException npgsql when npgsql.IsTransient => true,
        SocketException or TimeoutException => true,
        _ => ex.InnerException is { } inner && IsTransient(inner),
    };

    internal static string Describe(Exception ex)
    {
        var root = ex;
        while (root is not PostgresException && root.InnerException is { } inner)
        {
            root = inner;
        }
        return root is PostgresException pg
            ? $"SQL error {pg.SqlState}: {pg.MessageText}"
            : $"{root.GetType().Name}: {root.Message}";
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Database ready: {Applied} migration(s) applied at start-up.")]
    private static partial void LogMigrated(ILogger logger, int applied);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "Database not reachable yet (attempt {Attempt}, next try in {DelaySeconds:0.##} s): {Reason}")]
    private static partial void LogDatabaseUnreachable(ILogger logger, int attempt, double delaySeconds, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Critical,
        Message = "Database migration failed, the API is stopping — fix the migration or the database, "
            + "then start it again. {Reason}")]
    private static partial void LogMigrationFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Critical,
        Message = "This build cannot run on the database's schema, the API is stopping: {Reason}")]
    private static partial void LogSchemaIncompatible(ILogger logger, string reason);

    internal sealed class SchemaIncompatibleException(string reason) : Exception(reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "Another instance is migrating the database; waiting for its lock.")]
    private static partial void LogWaitingForLock(ILogger logger);
}
