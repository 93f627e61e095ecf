using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Inventory.Tests.Infrastructure;

namespace Inventory.Tests.AppHost;

/// <summary>The real AppHost (Aspire.Hosting.Testing): PostgreSQL and the API come up Healthy in each mode.</summary>
public sealed class AppHostTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Local_mode_runs_postgres_from_the_machines_binaries_and_the_api_becomes_healthy()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"inventory-apphost-test-{Guid.NewGuid():N}");
        try
        {
            await AssertApiHealthyAsync(["Postgres:Mode=Local", $"Postgres:DataDirectory={dataDirectory}"]);
        }
        finally
        {
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Container_mode_runs_postgres_in_a_container_and_the_api_becomes_healthy()
    {
        await DockerEngine.RequireOrSkip();

        await AssertApiHealthyAsync(["Postgres:Mode=Container", "Postgres:Persistent=false"]);
    }

    [Fact]
    public async Task Container_mode_with_an_image_the_engine_cannot_provide_stops_within_seconds_naming_the_ways_out()
    {
        await DockerEngine.RequireOrSkip();

        var result = await RunAppHostAsync(new Dictionary<string, string?>
        {
            ["Postgres__Mode"] = "Container",
            ["Postgres__ImageTag"] = "0.0-no-such-tag",
        });

        Assert.NotEqual(0, result.ExitCode);
        var message = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("docker.io/library/postgres:0.0-no-such-tag", message, StringComparison.Ordinal);
        Assert.Contains("docker pull", message, StringComparison.Ordinal);
        Assert.Contains("Postgres__Mode=Local", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_container_engine_or_postgres_binaries_it_stops_within_seconds_naming_both_ways_out()
    {
        var result = await RunAppHostAsync(new Dictionary<string, string?>
        {
            ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock",
            ["ASPIRE_CONTAINER_RUNTIME"] = null,
            ["Postgres__Mode"] = "Auto",
            ["Postgres__BinDirectory"] = "/nonexistent/postgresql/bin",
        });

        Assert.NotEqual(0, result.ExitCode);
        var message = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("No container engine answered 'docker info'", message, StringComparison.Ordinal);
        Assert.Contains("start Docker", message, StringComparison.Ordinal);
        Assert.Contains("install the PostgreSQL server", message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs the built AppHost as a developer would; it must give up on its own well before the timeout.
    /// </summary>
    private static Task<ProcessResult> RunAppHostAsync(Dictionary<string, string?> environment)
    {
        environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        return ProcessRunner.RunAsync("dotnet",
            [Path.Combine(RepositoryPaths.BuildOutput("Inventory.AppHost"), "Inventory.AppHost.dll")],
            environment,
            timeout: TimeSpan.FromSeconds(30),
            cancellationToken: TestContext.Current.CancellationToken);
    }

    private static async Task AssertApiHealthyAsync(string[] args)
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Inventory_AppHost>(args, ct);
        await using var app = await builder.BuildAsync(ct);
        await app.StartAsync(ct).WaitAsync(StartTimeout, ct);

        await app.ResourceNotifications.WaitForResourceHealthyAsync("postgres", ct).WaitAsync(StartTimeout, ct);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("api", ct).WaitAsync(StartTimeout, ct);

        using var client = app.CreateHttpClient("api");
        using var health = await client.GetAsync("/health", ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var version = await client.GetFromJsonAsync<Dictionary<string, string>>("/version", ct);
        Assert.Equal("dev", version!["version"]);
        Assert.Equal("unknown", version["commit"]);
    }
}
