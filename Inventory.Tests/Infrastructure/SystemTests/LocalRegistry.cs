using System.Diagnostics;
using System.Security.Cryptography;

namespace Inventory.Tests.Infrastructure.SystemTests;

/// <summary>
/// A real image registry standing in for GHCR: Debian's <c>docker-registry</c> (distribution 2.8) on a free loopback
/// port, with htpasswd login, its storage in a temporary folder. Docker treats 127.0.0.0/8 registries as insecure,
/// so plain-HTTP login works there. It can be stopped and started again (same port, same images) to play
/// "registry down". Pushes log in through a configuration folder of their own, never the user's.
/// </summary>
public sealed class LocalRegistry : IAsyncDisposable
{
    public const string Binary = "/usr/bin/docker-registry";

    private readonly string _directory;
    private readonly string _dockerConfig;
    private Process? _process;

    private LocalRegistry(string directory, int port)
    {
        _directory = directory;
        _dockerConfig = Path.Combine(directory, "docker-config");
        Address = $"127.0.0.1:{port}";
    }

    /// <summary><c>127.0.0.1:PORT</c>, the registry part of an image name.</summary>
    public string Address { get; }

    public string UserName { get; } = "deploy-test";

    public string Password { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The repository deploys pull from: INVENTORY_IMAGE.</summary>
    public string Repository => $"{Address}/inventory";

    public static async Task<LocalRegistry> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("inventory-registry-").FullName;
        var registry = new LocalRegistry(directory, FreePort.Tcp());
        // -i: the password on standard input, not on htpasswd's command line.
        var htpasswd = await ProcessRunner.RunAsync(
            "htpasswd", ["-niB", registry.UserName], standardInput: registry.Password + "\n");
        await File.WriteAllTextAsync(
            Path.Combine(directory, "htpasswd"), htpasswd.EnsureSuccess("htpasswd").StandardOutput);
        await File.WriteAllTextAsync(Path.Combine(directory, "config.yml"), $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {directory}/storage
              delete:
                enabled: true
            http:
              addr: {registry.Address}
            auth:
              htpasswd:
                realm: inventory-deploy-tests
                path: {directory}/htpasswd
            """);
        Directory.CreateDirectory(registry._dockerConfig);
        await registry.StartProcessAsync();
        var login = await ProcessRunner.RunAsync(
            "docker", ["login", "--username", registry.UserName, "--password-stdin", registry.Address],
            environment: new Dictionary<string, string?> { ["DOCKER_CONFIG"] = registry._dockerConfig },
            standardInput: registry.Password);
        login.EnsureSuccess($"docker login {registry.Address}");
        return registry;
    }

    /// <summary>Starts the registry (again): ready once <c>/v2/</c> asks for credentials.</summary>
    public async Task StartProcessAsync()
    {
        if (_process is { HasExited: false })
        {
            return;
        }
        var start = new ProcessStartInfo(Binary)
        {
            ArgumentList = { "serve", Path.Combine(_directory, "config.yml") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException($"{Binary} did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            try
            {
                using var response = await client.GetAsync(new Uri($"http://{Address}/v2/"));
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (_process.HasExited)
            {
                throw new InvalidOperationException(
                    $"docker-registry exited with code {_process.ExitCode} on {Address}");
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"docker-registry on {Address} did not answer within 20 s");
    }

    /// <summary>
    /// Stops the registry process (the one this fixture started, by its id); its images stay on disk.
    /// </summary>
    public async Task StopProcessAsync()
    {
        if (_process is null)
        {
            return;
        }
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _process = null;
    }

    /// <summary>
    /// Pushes the local <paramref name="image"/> as <c>inventory:<paramref name="tag"/></c>, then drops the local
    /// registry tag, so a deploy really pulls it.
    /// </summary>
    public async Task PushAsync(string image, string tag)
    {
        var target = $"{Repository}:{tag}";
        await DockerCli.OutputAsync("tag", image, target);
        try
        {
            var push = await ProcessRunner.RunAsync("docker", ["push", "--quiet", target],
                environment: new Dictionary<string, string?> { ["DOCKER_CONFIG"] = _dockerConfig },
                timeout: TimeSpan.FromMinutes(5));
            push.EnsureSuccess($"docker push {target}");
        }
        finally
        {
            await DockerCli.RemoveQuietlyAsync("image", target);
        }
    }

    /// <summary>
    /// The digest the registry serves for <c>inventory:<paramref name="tag"/></c> (its Docker-Content-Digest), as
    /// build-and-push outputs it for GHCR.
    /// </summary>
    public async Task<string> DigestAsync(string tag)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(
            HttpMethod.Head, new Uri($"http://{Address}/v2/inventory/manifests/{tag}"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{UserName}:{Password}")));
        foreach (var type in new[]
        {
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
        })
        {
            request.Headers.Accept.ParseAdd(type);
        }
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return response.Headers.GetValues("Docker-Content-Digest").Single();
    }

    public async ValueTask DisposeAsync()
    {
        await StopProcessAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }
}
