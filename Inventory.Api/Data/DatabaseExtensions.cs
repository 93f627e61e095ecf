namespace Inventory.Api.Data;

internal static class DatabaseExtensions
{
    /// <summary>Name of the connection string (<c>ConnectionStrings__inventorydb</c>) and of the AppHost resource.</summary>
    public const string ConnectionName = "inventorydb";

    public static IHostApplicationBuilder AddInventoryDatabase(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDbContext<InventoryDbContext>(ConnectionName, settings =>
            // No retrying execution strategy: a request (or a /health probe) must fail in moments, not after
            // a minute of hidden retries; start-up has its own backoff (DatabaseMigrator) and the stock ledger
            // runs explicit transactions, which a retrying strategy would refuse.
            // Aspire's own health check is replaced by DatabaseReadyHealthCheck, which also waits for the
            // migrations and cannot hang on a frozen server.
            {
                settings.DisableRetry = true;
                settings.DisableHealthChecks = true;
            });

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DatabaseReadiness>();
        builder.Services.AddHostedService<DatabaseMigrator>();
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseReadyHealthCheck>("database");

        return builder;
    }
}
