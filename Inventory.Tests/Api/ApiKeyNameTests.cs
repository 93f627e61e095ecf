using Inventory.Tests.Infrastructure.ApiTests;

namespace Inventory.Tests.Api;

/// <summary>
/// A key's name is the ledger's actor: one the actor column cannot hold stops the start, naming the key.
/// </summary>
public sealed class ApiKeyNameTests(PostgresServer postgres)
{
    private const int ActorColumnLength = 200;

    [Fact]
    public async Task A_key_named_as_long_as_the_actor_column_moves_stock()
    {
        var name = new string('n', ActorColumnLength);
        await using var api = await StartAsync("keyname", name);
        using var admin = api.CreateClient(TestApiKeys.Admin);
        var (sku, location) = await admin.CreateItemAndLocationAsync("KEYNAME");

        var movement = await admin.ReceiveAsync(sku, location, 1);

        Assert.Equal(name, movement.GetProperty("actor").GetString());
    }

    [Theory]
    [InlineData("longer than the actor column", 201, "")]
    [InlineData("a control character", 0, "ops\u0000team")]
    [InlineData("the same name as another key but for case", 0, "TEST-READER")]
    public async Task A_key_name_the_ledger_cannot_record_stops_the_start_naming_the_key(
        string label, int length, string name)
    {
        name = length > 0 ? new string('n', length) : name;
        var explained = await InvalidSettings.ExplanationAsync(postgres,
            new Dictionary<string, string?> { ["Auth:ApiKeys:2:Name"] = name });

        Assert.True(explained.Contains("Auth:ApiKeys:2:Name", StringComparison.Ordinal), $"{label}: {explained}");
    }

    private async Task<ApiFactory> StartAsync(string database, string adminName)
    {
        var api = new ApiFactory(await postgres.CreateDatabaseAsync(database),
            new Dictionary<string, string?> { ["Auth:ApiKeys:2:Name"] = adminName });
        await api.WaitForStatusAsync("/health", HttpStatusCode.OK);
        return api;
    }
}
