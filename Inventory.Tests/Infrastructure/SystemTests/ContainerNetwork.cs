using System.Diagnostics;
using System.Security.Cryptography;

using Inventory.Tests.Infrastructure.ApiTests;

namespace Inventory.Tests.Infrastructure.SystemTests;

/// <summary>
/// A user-defined Docker network and the containers a test starts on it — PostgreSQL, and the product image run
/// hardened as the host runs it — all removed on dispose. Secrets reach containers through <c>--env-file</c>,
/// never a command line; the API is published on a random loopback port only.
/// </summary>
public sealed class ContainerNetwork : IAsyncDisposable
{
    /// <summary>
    /// How production runs the image (deploy/): read-only root with a tmpfs /tmp, no capability, no privilege gain.
    /// </summary>
    public static readonly IReadOnlyList<string> HardeningFlags =
        ["--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"];

    private readonly List<string> _containers = [];

    private ContainerNetwork(string network) => Network = network;

    public string Network { get; }

    public static async Task<ContainerNetwork> CreateAsync(string purpose)
    {
        var network = DockerCli.UniqueName(purpose);
        await DockerCli.OutputAsync("network", "create", network);
        return new ContainerNetwork(network);
    }

    /// <summary>
    /// Starts PostgreSQL (the image the AppHost and the tests use) on the network, under <paramref name="name"/>,
    /// with <paramref name="password"/> for <c>postgres</c> (both made up when not given).
    /// </summary>
    public async Task<PostgresContainer> StartPostgresAsync(string? name = null, string? password = null)
    {
        var postgres = new PostgresContainer(name ?? DockerCli.UniqueName("pg"),
            password ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        await RunDetachedAsync(
            postgres.Name, [], new Dictionary<string, string> { ["POSTGRES_PASSWORD"] = postgres.Password },
            PostgresServer.Image);
        return postgres;
    }

    /// <summary>
    /// Waits until PostgreSQL accepts TCP connections (not the init-time server, which listens on no TCP port).
    /// </summary>
    public static async Task WaitForPostgresAsync(PostgresContainer postgres, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        ProcessResult? last = null;
        while (deadline.Elapsed < timeout)
        {
            last = await DockerCli.RunAsync(["exec", postgres.Name, "pg_isready", "-h", "127.0.0.1", "-U", "postgres"]);
            if (last.Succeeded)
            {
                return;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"PostgreSQL ({postgres.Name}) not ready within {timeout.TotalSeconds:0} s: {last?.Output}");
    }

    /// <summary>
    /// Starts <paramref name="image"/> hardened on the network, port 8080 published on a random loopback port.
    /// </summary>
    public async Task<ApiContainer> StartApiAsync(
        string image, IReadOnlyDictionary<string, string> environment, string? name = null)
    {
        var container = name ?? DockerCli.UniqueName("api");
        await RunDetachedAsync(container, ["--publish", "127.0.0.1::8080", .. HardeningFlags], environment, image);
        var address = await DockerCli.OutputAsync("port", container, "8080/tcp");
        // One line per address family; the loopback IPv4 one is what was asked for.
        var hostPort = address.Split('\n')[0].Trim().Split(':')[^1];
        return new ApiContainer(container, new Uri($"http://127.0.0.1:{hostPort}"));
    }

    /// <summary>
    /// Starts <paramref name="image"/> beside <paramref name="postgres"/> once it is ready, and waits for /health 200.
    /// </summary>
    public async Task<ApiContainer> StartHealthyApiAsync(string image, PostgresContainer postgres,
        IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        await WaitForPostgresAsync(postgres, timeout);
        var api = await StartApiAsync(image, environment);
        await api.WaitForStatusAsync("/health", HttpStatusCode.OK, timeout);
        return api;
    }

    private async Task RunDetachedAsync(string name, IEnumerable<string> flags,
        IReadOnlyDictionary<string, string> environment, string image)
    {
        var envFile = DockerCli.WriteEnvFile(environment);
        try
        {
            _containers.Add(name);
            await DockerCli.OutputAsync(["run", "--detach", "--name", name, "--network", Network,
                .. flags, "--env-file", envFile, image]);
        }
        finally
        {
            File.Delete(envFile);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DockerCli.RemoveQuietlyAsync("container", [.. _containers]);
        await DockerCli.RemoveQuietlyAsync("network", Network);
    }
}

/// <summary>A PostgreSQL container, reached by its name on the test's network.</summary>
public sealed record PostgresContainer(string Name, string Password)
{
    public string ConnectionString(string database) =>
        $"Host={Name};Database={database};Username=postgres;Password={Password}";

    /// <summary>Runs one SQL statement inside the container (local socket) and returns its unaligned output.</summary>
    public Task<string> QueryAsync(string database, string sql) =>
        DockerCli.OutputAsync("exec", Name, "psql", "-U", "postgres", "-d", database, "-tAc", sql);
}

/// <summary>A running container of the product image, reached on its published loopback port.</summary>
public sealed class ApiContainer(string name, Uri baseAddress) : IDisposable
{
    public string Name { get; } = name;

    public HttpClient Client { get; } = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// Polls <paramref name="path"/> until it answers <paramref name="status"/>. A refused or reset connection counts
    /// as "not yet": docker-proxy accepts on the published port before the app listens.
    /// </summary>
    public async Task WaitForStatusAsync(string path, HttpStatusCode status, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        var last = "no answer";
        while (deadline.Elapsed < timeout)
        {
            try
            {
                using var probe = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                using var response = await Client.GetAsync(path, probe.Token);
                if (response.StatusCode == status)
                {
                    return;
                }
                last = $"{(int)response.StatusCode}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                last = ex.GetType().Name;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"{path} of {Name} answered {last} instead of {(int)status} for {timeout.TotalSeconds:0} s. " +
            $"Its log:\n{await LogsAsync()}");
    }

    /// <summary><c>docker inspect --format <paramref name="format"/></c> of the container.</summary>
    public Task<string> InspectAsync(string format) => DockerCli.OutputAsync("inspect", "--format", format, Name);

    public async Task<string> LogsAsync() => (await DockerCli.RunAsync(["logs", Name])).Output;

    /// <summary>
    /// <c>docker stop</c>, timed as the operator sees it; returns that time and the process's exit code.
    /// </summary>
    public async Task<(TimeSpan Elapsed, int ExitCode)> StopAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        await DockerCli.OutputAsync("stop", Name);
        var elapsed = stopwatch.Elapsed;
        return (elapsed, int.Parse(
            await InspectAsync("{{.State.ExitCode}}"), System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Dispose() => Client.Dispose();
}
