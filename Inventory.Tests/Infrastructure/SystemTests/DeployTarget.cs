using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Inventory.Tests.Infrastructure.SystemTests;

/// <summary>
/// One deployment target on the <see cref="SshHost"/>, prepared as an operator would: <c>deploy/bootstrap.sh</c>
/// (config, database, scripts and, unless told otherwise, proxy) with its own INVENTORY_NAME, public port, config
/// folder and state folder — so each test starts from a fresh host and stacks never see each other. Deploys and
/// rollbacks go through <c>deploy/remote.sh</c>, exactly as the workflow runs it. Everything it made is removed on
/// dispose: the stack's containers, network and volume, its folders.
/// </summary>
public sealed class DeployTarget : IAsyncDisposable
{
    private readonly SshHost _host;
    private readonly LocalRegistry _registry;
    private readonly List<Task> _runs = [];

    private DeployTarget(SshHost host, LocalRegistry registry, string directory, int port)
    {
        _host = host;
        _registry = registry;
        Directory = directory;
        Port = port;
        Name = $"invt-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5))}";
    }

    /// <summary>INVENTORY_NAME: prefix of the stack's containers, network and volume.</summary>
    public string Name { get; }

    public int Port { get; }

    public string Directory { get; }

    public string ConfigDirectory => Path.Combine(Directory, "etc");

    public string StateDirectory => Path.Combine(Directory, "state");

    /// <summary>INVENTORY_BACKUP_DIR: the stack's own, so rotation in one test never sees another's backups.</summary>
    public string BackupDirectory => Path.Combine(Directory, "backups");

    public string DeployEnvPath => Path.Combine(ConfigDirectory, "deploy.env");

    public Uri PublicAddress => new($"http://127.0.0.1:{Port}");

    /// <summary>
    /// Bootstraps a stack; <paramref name="settings"/> become deploy.env values (bootstrap writes what it is given).
    /// </summary>
    public static async Task<DeployTarget> CreateAsync(SshHost host, LocalRegistry registry,
        IReadOnlyDictionary<string, string>? settings = null, bool withProxy = true, int? port = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("inventory-deploy-stack-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        var stack = new DeployTarget(host, registry, directory, port ?? FreePort.Tcp());
        try
        {
            var bootstrap = await stack.BootstrapAsync(
                withProxy ? "config,database,scripts,proxy" : "config,database,scripts", settings);
            bootstrap.EnsureSuccess("deploy/bootstrap.sh");
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs deploy/bootstrap.sh as root for this stack (it is idempotent: tests run it again too).</summary>
    public Task<ProcessResult> BootstrapAsync(string steps, IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["INVENTORY_STATE_DIR"] = StateDirectory,
            ["INVENTORY_BACKUP_DIR"] = BackupDirectory,
            ["INVENTORY_HTTP_BIND"] = "127.0.0.1",
        };
        // The host's scripts must use the engine the tests use; SSH sessions do not inherit it.
        if (Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } dockerHost)
        {
            environment["DOCKER_HOST"] = dockerHost;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        return Privileged.RunAsync("env", [
            .. environment.Select(e => $"{e.Key}={e.Value}"),
            "bash", Path.Combine(RepositoryPaths.Root, "deploy", "bootstrap.sh"),
            "--steps", steps, "--config-dir", ConfigDirectory, "--user", _host.UserName, "--name", Name,
            "--image", _registry.Repository, "--http-port", Port.ToString(CultureInfo.InvariantCulture),
        ], timeout: TimeSpan.FromMinutes(3));
    }

    public Task<DeployRun> DeployAsync(string tag, IReadOnlyDictionary<string, string?>? environment = null) =>
        RemoteAsync(["deploy", tag], environment);

    public Task<DeployRun> RollbackAsync(
        string? tag = null, IReadOnlyDictionary<string, string?>? environment = null) =>
        RemoteAsync(tag is null ? ["rollback"] : ["rollback", tag], environment);

    /// <summary>
    /// Runs deploy/remote.sh with the environment the workflow gives it; <paramref name="environment"/> adds to it
    /// (null removes).
    /// </summary>
    public Task<DeployRun> RemoteAsync(string[] arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var run = RunRemoteAsync(arguments, environment);
        lock (_runs)
        {
            _runs.Add(run);
        }
        return run;
    }

    private async Task<DeployRun> RunRemoteAsync(string[] arguments, IReadOnlyDictionary<string, string?>? environment)
    {
        var summary = Path.Combine(Directory, $"summary-{Guid.NewGuid():N}.md");
        var variables = _host.RemoteEnvironment();
        variables["GHCR_USERNAME"] = _registry.UserName;
        variables["GHCR_PAT"] = _registry.Password;
        variables["EC2_DEPLOY_ENV"] = DeployEnvPath;
        // Never the real job summary of a GitHub run that executes these tests.
        variables["GITHUB_STEP_SUMMARY"] = summary;
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[key] = value;
        }
        var result = await ProcessRunner.RunAsync(Path.Combine(RepositoryPaths.Root, "deploy", "remote.sh"), arguments,
            variables, RepositoryPaths.Root, timeout: TimeSpan.FromMinutes(5));
        var summaryText = File.Exists(summary) ? await File.ReadAllTextAsync(summary) : "";
        File.Delete(summary);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"$ deploy/remote.sh {string.Join(' ', arguments)}  # exit {result.ExitCode} "
            + $"after {result.Elapsed.TotalSeconds:0.0} s\n{result.Output}");
        return new DeployRun(result, summaryText);
    }

    /// <summary>The state files (null when absent).</summary>
    public async Task<(string? Last, string? Previous)> ReadStateAsync() =>
        (await ReadStateFileAsync(".last_good_tag"), await ReadStateFileAsync(".prev_good_tag"));

    private async Task<string?> ReadStateFileAsync(string name)
    {
        var path = Path.Combine(StateDirectory, name);
        return File.Exists(path) ? (await File.ReadAllTextAsync(path)).Trim() : null;
    }

    public async Task<IReadOnlyList<string>> AuditLogAsync()
    {
        var path = Path.Combine(StateDirectory, "deploy.log");
        return File.Exists(path) ? await File.ReadAllLinesAsync(path) : [];
    }

    /// <summary>The commit the public port answers with now.</summary>
    public async Task<string?> LiveCommitAsync()
    {
        using var client = new HttpClient { BaseAddress = PublicAddress, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync("/version");
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return null;
        }
        return ClientLoop.VersionOf(await response.Content.ReadAsStringAsync());
    }

    /// <summary>This stack's containers: name, tag label, role label and state.</summary>
    public async Task<IReadOnlyList<StackContainer>> ContainersAsync()
    {
        var lines = await DockerCli.OutputAsync(
            "ps", "--all", "--filter", $"label=org.inventory.stack={Name}", "--format",
            "{{.Names}}|{{.Label \"org.inventory.tag\"}}|{{.Label \"org.inventory.role\"}}|{{.State}}");
        return lines.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('|'))
            .Select(f => new StackContainer(f[0], f[1], f[2], f[3]))
            .ToList();
    }

    public async Task<IReadOnlyList<StackContainer>> AppContainersAsync() =>
        (await ContainersAsync()).Where(c => c.Role == "app").ToList();

    /// <summary>The Admin API key bootstrap generated (root-only file, as on a real host).</summary>
    public async Task<string> AdminApiKeyAsync() =>
        (await Privileged.RunCheckedAsync("cat", Path.Combine(ConfigDirectory, "admin-api-key"))).StandardOutput.Trim();

    /// <summary>Reads a root/deploy-user-only file of the stack's config folder.</summary>
    public async Task<string> ReadConfigFileAsync(string name) =>
        (await Privileged.RunCheckedAsync("cat", Path.Combine(ConfigDirectory, name))).StandardOutput;

    /// <summary>
    /// A copy of deploy.env with some settings changed, owned by the deploy user (600), for one run pointed at it by
    /// EC2_DEPLOY_ENV: the same stack, state and containers, seen through different settings.
    /// </summary>
    public async Task<string> WriteDeployEnvVariantAsync(
        IReadOnlyDictionary<string, string> changes, string? extraLine = null)
    {
        var lines = (await ReadConfigFileAsync("deploy.env")).Split('\n').ToList();
        foreach (var (key, value) in changes)
        {
            var index = lines.FindIndex(l => l.StartsWith(key + "=", StringComparison.Ordinal));
            Assert.True(index >= 0, $"deploy.env has no {key}");
            lines[index] = $"{key}={value}";
        }
        if (extraLine is not null)
        {
            lines.Add(extraLine);
        }
        var path = Path.Combine(ConfigDirectory, $"variant-{Guid.NewGuid():N}.env");
        await Privileged.WriteFileAsync(path, string.Join('\n', lines), _host.UserName, "600");
        return path;
    }

    /// <summary>Writes a file in the state folder as the deploy user would (e.g. a damaged state file).</summary>
    public Task WriteStateFileAsync(string name, string content) =>
        Privileged.WriteFileAsync(Path.Combine(StateDirectory, name), content, _host.UserName, "644");

    public Task DeleteStateFileAsync(string name) =>
        Privileged.RunCheckedAsync("rm", "-f", Path.Combine(StateDirectory, name));

    /// <summary>
    /// Waits for <paramref name="condition"/> on the host, polling; fails after <paramref name="timeout"/>.
    /// </summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < timeout, $"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A test that failed half-way may leave a run going: let it end before its stack goes.
        Task[] runs;
        lock (_runs)
        {
            runs = [.. _runs];
        }
        await Task.WhenAny(Task.WhenAll(runs), Task.Delay(TimeSpan.FromMinutes(2)));
        var containers = await DockerCli.RunAsync(
            ["ps", "--all", "--quiet", "--filter", $"label=org.inventory.stack={Name}"]);
        await DockerCli.RemoveQuietlyAsync("container",
            containers.StandardOutput.Split(
                '\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        await DockerCli.RemoveQuietlyAsync("network", $"{Name}-net");
        await DockerCli.RemoveQuietlyAsync("volume", $"{Name}-pgdata");
        await Privileged.RunAsync("rm", ["-rf", Directory]);
    }
}

/// <summary>One run of deploy/remote.sh: its exit code and output, and the job summary it wrote.</summary>
public sealed record DeployRun(ProcessResult Process, string Summary)
{
    public int ExitCode => Process.ExitCode;

    public string Output => Process.Output;

    public TimeSpan Elapsed => Process.Elapsed;

    /// <summary>The host's one-line error (<c>deploy: error: …</c> or <c>rollback: error: …</c>).</summary>
    public string? ErrorLine => Process.Output.Split('\n')
        .LastOrDefault(l => l.StartsWith("deploy: error: ", StringComparison.Ordinal)
            || l.StartsWith("rollback: error: ", StringComparison.Ordinal));
}

public sealed record StackContainer(string Name, string Tag, string Role, string State);
