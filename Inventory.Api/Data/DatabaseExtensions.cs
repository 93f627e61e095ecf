using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Inventory.Api.Data;

internal static class DatabaseExtensions
{
    /// <summary>
    /// Name of the connection string (<c>ConnectionStrings__inventorydb</c>) and of the AppHost resource.
    /// </summary>
    public const string ConnectionName = "inventorydb";

    public static IHostApplicationBuilder AddInventoryDatabase(this IHostApplicationBuilder builder)
    {
        // One pool, registered as an NpgsqlDataSource: EF Core runs on it, and so do the reads that skip EF Core (the
        // item GET), which then need no DbContext at all. Npgsql's activities and metrics, like the rest of the
        // telemetry, only when an exporter reads them; Aspire's own health checks are replaced by
        // DatabaseReadyHealthCheck, which also waits for the migrations and cannot hang on a frozen server.
        var telemetryOff = !builder.IsOtlpExporterConfigured();
        builder.AddNpgsqlDataSource(ConnectionName, settings =>
        {
            settings.DisableHealthChecks = true;
            settings.DisableTracing = settings.DisableMetrics = telemetryOff;
            settings.ConnectionString = WithPoolDefaults(settings.ConnectionString);
        });
        builder.Services.AddDbContextPool<InventoryDbContext>((services, options) =>
            options.UseNpgsql(services.GetRequiredService<NpgsqlDataSource>()));
        builder.EnrichNpgsqlDbContext<InventoryDbContext>(settings =>
        {
            // No retrying execution strategy: a request (or a /health probe) must fail in moments, not after a minute
            // of hidden retries; start-up has its own backoff (DatabaseMigrator) and the stock ledger runs explicit
            // transactions, which a retrying strategy would refuse.
            settings.DisableRetry = true;
            settings.DisableHealthChecks = true;
            settings.DisableTracing = settings.DisableMetrics = telemetryOff;
        });

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DatabaseReadiness>();
        builder.Services.AddHostedService<DatabaseMigrator>();
        // A singleton, so the probe's connection string is built once rather than on every /health.
        builder.Services.AddSingleton<DatabaseReadyHealthCheck>();
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseReadyHealthCheck>("database");

        return builder;
    }

    /// <summary>
    /// Statements a connection prepares once it has run them a few times (Npgsql's automatic preparation).
    /// </summary>
    public const int AutoPreparedStatements = 32;

    /// <summary>
    /// The API's pool settings, each unless the connection string sets it itself:
    /// <list type="bullet">
    /// <item><c>Max Auto Prepare</c> 32 (0 turns it off): PostgreSQL parses and plans each of the API's statements once
    /// per connection instead of on every request. Planning EF's item query cost more than running it; with it prepared
    /// the benchmark's GET went from about 1,800 to 5,200 requests/s on the same machine.</item>
    /// <item><c>No Reset On Close</c>: a connection handed back to the pool is not reset. The reset is seven statements
    /// (<c>SET SESSION AUTHORIZATION DEFAULT; RESET ALL; CLOSE ALL; UNLISTEN *; pg_advisory_unlock_all(); DISCARD
    /// SEQUENCES; DISCARD TEMP</c>) sent before the next request's query: about 15% of PostgreSQL's CPU per GET. The
    /// API leaves no session state to reset — no SET, LISTEN, cursor or temporary table; the one session-level lock,
    /// the migrator's, is released before its connection goes back, and a connection whose unlock failed is discarded
    /// (<see cref="DatabaseMigrator"/>).</item>
    /// </list>
    /// </summary>
    internal static string? WithPoolDefaults(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return connectionString;
        }
        // Npgsql's builder names every keyword it knows as "contained"; its own output names only those set,
        // canonically.
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = builder.ConnectionString };
        if (!given.ContainsKey("Max Auto Prepare"))
        {
            builder.MaxAutoPrepare = AutoPreparedStatements;
        }
        if (!given.ContainsKey("No Reset On Close"))
        {
            builder.NoResetOnClose = true;
        }
        return builder.ConnectionString;
    }
}
