using System.Security.Cryptography;

namespace Inventory.Tests.Infrastructure.SystemTests;

/// <summary>
/// A real SSH host standing in for the EC2 instance: its own <c>sshd</c> on a free loopback port (own config, host
/// key and pid file; key-only login, one allowed user) and a deploy user made by <c>deploy/bootstrap.sh --steps
/// user</c> (login shell, docker group, no password, the client's public key). Removed again on dispose: sshd is
/// stopped by the pid it wrote, the user deleted with its home.
/// </summary>
public sealed class SshHost : IAsyncDisposable
{
    public const string Sshd = "/usr/sbin/sshd";

    private readonly string _directory;
    private bool _userCreated;
    private bool _sshdStarted;

    private SshHost(string directory, string userName, int port)
    {
        _directory = directory;
        UserName = userName;
        Port = port;
    }

    public string UserName { get; }

    public int Port { get; }


    /// <summary>The deploy user's private key, the whole file (EC2_SSH_KEY).</summary>
    public string PrivateKey { get; private set; } = "";

    /// <summary>
    /// The host's public key as one known_hosts line (EC2_HOST_KEY): <c>[127.0.0.1]:PORT ssh-ed25519 …</c>.
    /// </summary>
    public string KnownHostsLine { get; private set; } = "";

    private string PrivateKeyPath => Path.Combine(_directory, "client");
    private string KnownHostsPath => Path.Combine(_directory, "known_hosts");
    private string PidFile => Path.Combine(_directory, "sshd.pid");

    public static async Task<SshHost> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("inventory-ssh-host-").FullName;
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        var host = new SshHost(directory, $"invdep-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}",
            FreePort.Tcp());
        try
        {
            await host.StartCoreAsync();
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync()
    {
        foreach (var key in new[] { "client", "host_key" })
        {
            (await ProcessRunner.RunAsync(
                "ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", $"inventory-deploy-test-{key}",
                "-f", Path.Combine(_directory, key)])).EnsureSuccess("ssh-keygen");
        }
        PrivateKey = await File.ReadAllTextAsync(PrivateKeyPath);
        var hostKey = (await File.ReadAllTextAsync(Path.Combine(_directory, "host_key.pub"))).Split(' ');
        KnownHostsLine = $"[127.0.0.1]:{Port} {hostKey[0]} {hostKey[1]}";
        await File.WriteAllTextAsync(KnownHostsPath, KnownHostsLine + "\n");

        _userCreated = true;
        var bootstrap = await Privileged.RunAsync("bash", [Path.Combine(RepositoryPaths.Root, "deploy", "bootstrap.sh"),
            "--steps", "user", "--user", UserName, "--authorized-key", $"@{PrivateKeyPath}.pub"]);
        bootstrap.EnsureSuccess("deploy/bootstrap.sh --steps user");

        await File.WriteAllTextAsync(Path.Combine(_directory, "sshd_config"), $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {_directory}/host_key
            PidFile {PidFile}
            AllowUsers {UserName}
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            Subsystem sftp internal-sftp
            """ + "\n");
        await Privileged.RunCheckedAsync("mkdir", "-p", "-m", "755", "/run/sshd");
        _sshdStarted = true;
        // Without -D it daemonises once it listens, writing its pid file: stopped by that pid on dispose.
        await Privileged.RunCheckedAsync(
            Sshd, "-f", Path.Combine(_directory, "sshd_config"), "-E", Path.Combine(_directory, "sshd.log"));
        var hello = await RunAsync("id -nG");
        Assert.True(hello.Succeeded, $"ssh to the test host failed: {hello.Output}\nsshd log:\n{await SshdLogAsync()}");
        Assert.Contains("docker", hello.StandardOutput.Split(' ', StringSplitOptions.TrimEntries));
    }

    /// <summary>
    /// Runs <paramref name="command"/> on the host as the deploy user, over SSH with the pinned host key.
    /// </summary>
    public Task<ProcessResult> RunAsync(string command, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync(
            "ssh", [.. ClientOptions(), "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"{UserName}@127.0.0.1", command], timeout: timeout ?? TimeSpan.FromMinutes(2));

    private string[] ClientOptions() =>
    [
        "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", PrivateKeyPath,
        "-o", "StrictHostKeyChecking=yes", "-o", $"UserKnownHostsFile={KnownHostsPath}",
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "LogLevel=ERROR",
    ];

    public async Task<string> SshdLogAsync()
    {
        var log = await Privileged.RunAsync("cat", [Path.Combine(_directory, "sshd.log")]);
        return log.Output;
    }

    /// <summary>The environment deploy/remote.sh reads to reach this host, as the workflow sets it.</summary>
    public Dictionary<string, string?> RemoteEnvironment() => new()
    {
        ["EC2_HOST"] = "127.0.0.1",
        ["EC2_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EC2_USERNAME"] = UserName,
        ["EC2_SSH_KEY"] = PrivateKey,
        ["EC2_HOST_KEY"] = KnownHostsLine,
    };

    public async ValueTask DisposeAsync()
    {
        if (_sshdStarted && File.Exists(PidFile))
        {
            var pid = (await File.ReadAllTextAsync(PidFile)).Trim();
            await Privileged.RunAsync("kill", ["-TERM", pid]);
        }
        if (_userCreated)
        {
            await Privileged.RunAsync("userdel", ["--force", "--remove", UserName]);
        }
        await Privileged.RunAsync("rm", ["-rf", _directory]);
    }
}
