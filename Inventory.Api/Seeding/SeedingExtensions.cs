using Inventory.Api.Data;

namespace Inventory.Api.Seeding;

internal static class SeedingExtensions
{
    public static IHostApplicationBuilder AddDevelopmentSeeding(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(SeedingOptions.Section).Get<SeedingOptions>()
            ?? new SeedingOptions();
        if (builder.Environment.IsDevelopment() && options.Enabled)
        {
            builder.Services.AddScoped<IDatabaseSeeder, DevelopmentSeeder>();
        }
        return builder;
    }
}