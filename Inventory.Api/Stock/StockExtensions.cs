namespace Inventory.Api.Stock;

internal static class StockExtensions
{
    public static IHostApplicationBuilder AddStockLedger(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<StockLedger>();
        builder.Services.AddScoped<IdempotencyStore>();
        builder.Services.AddScoped<StockPosting>();
        builder.Services.AddOptions<IdempotencyOptions>()
            .Bind(builder.Configuration.GetSection(IdempotencyOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHostedService<IdempotencyCleanup>();
        return builder;
    }
}
