using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Image;

/// <summary>
/// The hardened image when its database is missing or frozen: each test on its own network and PostgreSQL.
/// </summary>
public sealed class DatabaseOutageTests(ProductImage productImage)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private const string OutageApiKey = "outage-test-key";

    [Fact]
    public async Task Without_its_database_alive_is_200_and_health_503_until_it_appears_then_200_without_a_restart()
    {
        await DockerEngine.RequireOrSkip();
        var image = await productImage.GetAsync();
        await using var network = await ContainerNetwork.CreateAsync("outage");
        // The connection string names a PostgreSQL container that does not exist yet.
        var postgresName = DockerCli.UniqueName("pg-later");
        var password = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var later = new PostgresContainer(postgresName, password);
        using var api = await network.StartApiAsync(image.Tag,
            HardenedProduct.ApiEnvironment(later.ConnectionString("inventorydb"), OutageApiKey));

        await api.WaitForStatusAsync("/alive", HttpStatusCode.OK, Patience);
        for (var i = 0; i < 10; i++)
        {
            using var alive = await api.Client.GetAsync("/alive", TestContext.Current.CancellationToken);
            using var health = await api.Client.GetAsync("/health", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            await Task.Delay(300, TestContext.Current.CancellationToken);
        }
        var before = await api.InspectAsync("{{.State.Pid}} {{.State.StartedAt}} {{.RestartCount}}");

        var postgres = await network.StartPostgresAsync(postgresName, password);
        await ContainerNetwork.WaitForPostgresAsync(postgres, Patience);
        await api.WaitForStatusAsync("/health", HttpStatusCode.OK, Patience);

        Assert.Equal(before, await api.InspectAsync("{{.State.Pid}} {{.State.StartedAt}} {{.RestartCount}}"));
        Assert.NotEqual("0", await postgres.QueryAsync(
            "inventorydb", "SELECT count(*) FROM \"__EFMigrationsHistory\""));
    }

    [Fact]
    public async Task A_frozen_database_turns_health_503_instead_of_hanging_and_200_again_when_it_thaws()
    {
        await DockerEngine.RequireOrSkip();
        var image = await productImage.GetAsync();
        await using var network = await ContainerNetwork.CreateAsync("thaw");
        var postgres = await network.StartPostgresAsync();
        using var api = await network.StartHealthyApiAsync(image.Tag, postgres, Environment(postgres), Patience);

        await WhileFrozenAsync(postgres, async () =>
        {
            // /health serves one database check's result for up to a second (Inventory.Api/README.md, "Health
            // probe"): a probe within that second may still see the answer from before the freeze.
            await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
            // The probe's own check timeout answers; the client's 30 s would only catch a hang.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            using var health = await api.Client.GetAsync("/health", timeout.Token);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            using var alive = await api.Client.GetAsync("/alive", timeout.Token);
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        });

        await api.WaitForStatusAsync("/health", HttpStatusCode.OK, Patience);
    }

    [Fact]
    public async Task Docker_stop_is_clean_within_five_seconds_even_with_a_request_stuck_on_a_frozen_database()
    {
        await DockerEngine.RequireOrSkip();
        var image = await productImage.GetAsync();
        await using var network = await ContainerNetwork.CreateAsync("frozen");
        var postgres = await network.StartPostgresAsync();
        using var api = await network.StartHealthyApiAsync(image.Tag, postgres, Environment(postgres), Patience);

        await WhileFrozenAsync(postgres, async () =>
        {
            // A listing asks the database, which no longer answers: the request hangs in the API (its command
            // timeout is 30 s; /health, by contrast, gives up after a few seconds).
            using var listing = new HttpRequestMessage(HttpMethod.Get, "/api/items?limit=1");
            listing.Headers.Add("X-Api-Key", OutageApiKey);
            var stuck = api.Client.SendAsync(listing, TestContext.Current.CancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            Assert.False(stuck.IsCompleted, "the listing did not hang on the frozen database");

            var (elapsed, exitCode) = await api.StopAsync();

            Assert.True(elapsed < TimeSpan.FromSeconds(5), $"docker stop took {elapsed.TotalSeconds:0.0} s");
            Assert.Equal(0, exitCode);
            // Cut off by the shutdown rather than answered: it never saw its database.
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => stuck);
        });
    }

    private static Dictionary<string, string> Environment(PostgresContainer postgres) =>
        HardenedProduct.ApiEnvironment(postgres.ConnectionString(HardenedProduct.Database), OutageApiKey);

    /// <summary>
    /// Runs <paramref name="whileFrozen"/> with the database paused (it keeps its connections but never answers).
    /// </summary>
    private static async Task WhileFrozenAsync(PostgresContainer postgres, Func<Task> whileFrozen)
    {
        await DockerCli.OutputAsync("pause", postgres.Name);
        try
        {
            await whileFrozen();
        }
        finally
        {
            await DockerCli.RunAsync(["unpause", postgres.Name], cancellationToken: CancellationToken.None);
        }
    }
}
