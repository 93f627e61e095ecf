namespace Inventory.Api.Data;

/// <summary>
/// Data written at start-up right after the migrations, under the same advisory lock (so two instances never both
/// seed), before <c>/health</c> turns ready.
/// </summary>
internal interface IDatabaseSeeder
{
    Task SeedAsync(CancellationToken ct);
}
