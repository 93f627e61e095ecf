using Inventory.Tests.Infrastructure.ApiTests;
using Npgsql;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>
/// <c>/health</c> is unauthenticated and reachable through the proxy: a flood of probes must not become a flood of
/// database connections (each would be a new server process, and enough of them exhaust max_connections).
/// </summary>
public sealed class HealthProbeFloodTests(PostgresServer postgres)
{
    private const int Probes = 400;

    [Fact]
    public async Task Hundreds_of_concurrent_probes_open_only_a_few_database_connections()
    {
        var connectionString = await postgres.CreateDatabaseAsync("healthflood");
        await using var api = new ApiFactory(connectionString);
        await api.WaitForStatusAsync("/health", HttpStatusCode.OK);
        using var client = api.CreateClient();
        var before = await SessionsAsync(connectionString);

        var statuses = await Task.WhenAll(Enumerable.Range(0, Probes).Select(async _ =>
        {
            using var response = await client.GetAsync("/health", Ct);
            return response.StatusCode;
        }));

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        // A backend's session is counted when its statistics are flushed, at the latest when it exits.
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        var opened = await SessionsAsync(connectionString) - before;
        // One check per second at most, plus this test's own counting connection.
        Assert.InRange(opened, 0, 6);
    }

    /// <summary>Sessions ever established to the test's database, read on a connection of its own.</summary>
    private static async Task<long> SessionsAsync(string connectionString)
    {
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(unpooled);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()", connection);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}
