using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Deploy;

/// <summary>
/// Every deploy test runs in this collection: one at a time, since they share the SSH host, the registry and the
/// machine's cores.
/// </summary>
[CollectionDefinition(nameof(DeployScenarios))]
public sealed class DeployScenarios : ICollectionFixture<DeployEnvironment>;

/// <summary>The tags of the images the registry holds for the deploy tests.</summary>
/// <param name="First">A build of the Dockerfile (tag = its commit).</param>
/// <param name="Second">Another build, another VERSION and commit.</param>
/// <param name="Third">A third build.</param>
/// <param name="Unhealthy">The first build started so that its database never answers: /health stays 503.</param>
/// <param name="Crashing">The first build started with an invalid setting: it exits 1 at start-up.</param>
/// <param name="Mislabelled">The first build pushed under a commit it was not built from.</param>
public sealed record DeployTags(
    string First, string Second, string Third, string Unhealthy, string Crashing, string Mislabelled);

/// <summary>
/// What the deploy scenarios share, started on first use and removed at the end: the registry, the SSH host with its
/// deploy user, and the images — three builds of the real Dockerfile with different VERSION and COMMIT, plus two
/// tiny derived images that fail in the two ways a release fails (never healthy, crash at start) — pushed to the
/// registry. Each scenario then bootstraps its own <see cref="DeployTarget"/>.
/// </summary>
public sealed class DeployEnvironment : IAsyncDisposable
{
    private static readonly string[] Tools = ["ssh", "scp", "ssh-keygen", "htpasswd", "curl", "flock", "runuser"];

    private readonly SemaphoreSlim _once = new(1, 1);
    private readonly List<string> _derivedImages = [];
    private readonly ConcurrentQueue<string> _measurements = new();
    private LocalRegistry? _registry;
    private SshHost? _host;
    private DeployTags? _tags;

    public LocalRegistry Registry => _registry ?? throw new InvalidOperationException("Call StartAsync first.");

    public SshHost Host => _host ?? throw new InvalidOperationException("Call StartAsync first.");

    /// <summary>
    /// Skips (or, with INVENTORY_REQUIRE_DOCKER=1, fails) without Docker, the SSH and registry programs, or root.
    /// </summary>
    public static async Task RequireOrSkip()
    {
        await DockerEngine.RequireOrSkip();
        var missing = Tools.Where(tool => !OnPath(tool))
            .Concat(new[] { SshHost.Sshd, LocalRegistry.Binary }.Where(path => !File.Exists(path)))
            .ToList();
        var reason = missing.Count > 0
            ? $"missing {string.Join(", ", missing)} "
                + "(apt-get install openssh-server docker-registry apache2-utils curl; .ci/run packages does)"
            : await Privileged.UnavailableReasonAsync();
        if (reason is null)
        {
            return;
        }
        if (Environment.GetEnvironmentVariable(DockerEngine.RequireVariable) == "1")
        {
            Assert.Fail($"{DockerEngine.RequireVariable}=1 but the deploy tests cannot run: {reason}");
        }
        Assert.Skip($"The deploy tests need a real SSH server, registry and root: {reason}");
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, tool)));

    /// <summary>Starts the registry and the SSH host and pushes the images, once; later callers get the same.</summary>
    public async Task<DeployTags> StartAsync(ProductImage productImage)
    {
        await _once.WaitAsync();
        try
        {
            if (_tags is not null)
            {
                return _tags;
            }
            _registry = await LocalRegistry.StartAsync();
            _host = await SshHost.StartAsync();

            var first = await productImage.GetAsync();
            var second = await productImage.BuildAsync("2026.11.29.2", NewCommit());
            var third = await productImage.BuildAsync("2026.11.29.3", NewCommit());
            var unhealthy = await DeriveAsync(first.Tag, "unhealthy",
                """["dotnet", "Inventory.Api.dll", "--ConnectionStrings:inventorydb=Host=127.0.0.1;Port=9;"""
                + """Database=none;Username=none;Password=none"]""");
            var crashing = await DeriveAsync(
                first.Tag, "crashing", """["dotnet", "Inventory.Api.dll", "--Auth:ApiKeys:0:Role=Nobody"]""");

            var tags = new DeployTags(first.Commit, second.Commit, third.Commit,
                $"unhealthy-{Suffix()}", $"crashing-{Suffix()}", NewCommit());
            await _registry.PushAsync(first.Tag, tags.First);
            await _registry.PushAsync(second.Tag, tags.Second);
            await _registry.PushAsync(third.Tag, tags.Third);
            await _registry.PushAsync(unhealthy, tags.Unhealthy);
            await _registry.PushAsync(crashing, tags.Crashing);
            await _registry.PushAsync(first.Tag, tags.Mislabelled);
            _tags = tags;
            return tags;
        }
        finally
        {
            _once.Release();
        }
    }

    /// <summary>
    /// The usual start of a scenario: the environment (skipping without its tools), a target of its own, and the
    /// first <paramref name="deployed"/> versions deployed in order, each successfully.
    /// </summary>
    public async Task<(DeployTarget Target, DeployTags Tags)> NewTargetAsync(
        ProductImage productImage, int deployed = 0,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        await RequireOrSkip();
        var tags = await StartAsync(productImage);
        var target = await CreateTargetAsync(settings);
        try
        {
            foreach (var tag in new[] { tags.First, tags.Second, tags.Third }.Take(deployed))
            {
                var run = await target.DeployAsync(tag);
                Assert.True(run.ExitCode == 0, $"deploying {tag} to set the scene failed:\n{run.Output}");
            }
            return (target, tags);
        }
        catch
        {
            await target.DisposeAsync();
            throw;
        }
    }

    /// <summary>A stack of its own on the shared host: see <see cref="DeployTarget.CreateAsync"/>.</summary>
    public Task<DeployTarget> CreateTargetAsync(
        IReadOnlyDictionary<string, string>? settings = null, bool withProxy = true, int? port = null) =>
        DeployTarget.CreateAsync(Host, Registry, settings, withProxy, port);

    /// <summary>
    /// Keeps one measurement line (durations, requests, failures) for the test output and deploy-measurements.txt.
    /// </summary>
    public void Measure(string what, DeployRun run, ClientLoopResult? loop)
    {
        var host = System.Text.RegularExpressions.Regex.Match(run.Output, @"result: .* seconds=(\d+)");
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{what}: exit {run.ExitCode}, {run.Elapsed.TotalSeconds:0.0} s on the runner "
            + $"(host: {(host.Success ? host.Groups[1].Value : "?")} s)"
            + $"{(loop is null ? "" : $"; client loop: {loop}")}");
        _measurements.Enqueue(line);
        TestContext.Current.TestOutputHelper?.WriteLine("measured: " + line);
    }

    private async Task<string> DeriveAsync(string baseImage, string purpose, string entrypoint)
    {
        var tag = $"{DockerCli.UniqueName(purpose)}:image";
        _derivedImages.Add(tag);
        var build = await ProcessRunner.RunAsync("docker", ["build", "--quiet", "--tag", tag, "-"],
            standardInput: $"FROM {baseImage}\nENTRYPOINT {entrypoint}\n", timeout: TimeSpan.FromMinutes(2));
        build.EnsureSuccess($"docker build of the {purpose} image");
        return tag;
    }

    private static string NewCommit() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    private static string Suffix() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    public async ValueTask DisposeAsync()
    {
        if (!_measurements.IsEmpty)
        {
            await File.WriteAllLinesAsync(
                Path.Combine(AppContext.BaseDirectory, "deploy-measurements.txt"), _measurements);
        }
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        if (_registry is not null)
        {
            // What the deploys pulled: every tag of this run's registry repository.
            var pulled = await DockerCli.RunAsync(
                ["image", "ls", _registry.Repository, "--format", "{{.Repository}}:{{.Tag}}"]);
            await DockerCli.RemoveQuietlyAsync("image",
                pulled.StandardOutput.Split(
                    '\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            await _registry.DisposeAsync();
        }
        await DockerCli.RemoveQuietlyAsync("image", [.. _derivedImages]);
        _once.Dispose();
    }
}
