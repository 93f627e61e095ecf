using System.Diagnostics;
using System.Runtime.Versioning;
using System.Security.Cryptography;

namespace Inventory.AppHost.Postgres;

/// <summary>
/// A PostgreSQL cluster in a folder of the AppHost's, made with the machine's <c>initdb</c> on first use.
/// Layout: <c>{root}/cluster</c> (PGDATA) and <c>{root}/password</c> (superuser password, mode 0600).
/// PostgreSQL refuses to run as root; when the AppHost runs as root every server program runs as the
/// <c>postgres</c> system user through <c>setpriv</c>, which execs (so stop signals reach the server).
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class LocalPostgresCluster(LocalPostgresBinaries binaries, string root)
{
    public const string SuperUser = "postgres";
    private const string ServiceAccount = "postgres";

    public string Root { get; } = Path.GetFullPath(root);
    public string DataDirectory => Path.Combine(Root, "cluster");
    private string PasswordFile => Path.Combine(Root, "password");

    private static bool RunsAsRoot => Environment.IsPrivilegedProcess;

    /// <summary>Creates the cluster when absent and returns the superuser password.</summary>
    public string EnsureInitialized()
    {
        Directory.CreateDirectory(Root);
        if (RunsAsRoot)
        {
            EnsureServiceAccountCanReach(Root);
        }

        if (File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            if (!File.Exists(PasswordFile))
            {
                throw new PostgresUnavailableException(
                    $"The local PostgreSQL cluster in {DataDirectory} has lost its password file {PasswordFile}. " +
                    $"Delete {Root} to start with an empty database.");
            }
            EnsureSameMajorVersion();
            return File.ReadAllText(PasswordFile).Trim();
        }

        if (Directory.Exists(DataDirectory))
        {
            // Left over from an initdb that did not finish: initdb refuses a non-empty folder.
            Directory.Delete(DataDirectory, recursive: true);
        }

        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        WritePrivateFile(PasswordFile, password);
        if (RunsAsRoot)
        {
            RunOrThrow("chown", "-R", $"{ServiceAccount}:{ServiceAccount}", Root);
        }

        RunOrThrow(
            ServerCommand(binaries.InitDb),
            ServerArguments(binaries.InitDb, "-D", DataDirectory, "-U", SuperUser, "--auth=scram-sha-256",
                $"--pwfile={PasswordFile}", "-E", "UTF8", "--locale=C"));
        return password;
    }

    /// <summary>The program to start for a server command: the command itself, or <c>setpriv</c> as root.</summary>
    public static string ServerCommand(string program) => RunsAsRoot ? "setpriv" : program;

    public static string[] ServerArguments(string program, params string[] args) => RunsAsRoot
        ? ["--reuid=" + ServiceAccount, "--regid=" + ServiceAccount, "--init-groups", "--", program, .. args]
        : args;

    /// <summary>
    /// Fast shutdown (<c>pg_ctl stop -m fast</c>): the orchestrator would otherwise SIGKILL the server.
    /// </summary>
    public void Stop()
    {
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            Run(TimeSpan.FromSeconds(15), ServerCommand(binaries.PgCtl),
                ServerArguments(binaries.PgCtl, "-D", DataDirectory, "stop", "-m", "fast", "-w"));
        }
    }

    private void EnsureSameMajorVersion()
    {
        var clusterMajor = File.ReadAllText(Path.Combine(DataDirectory, "PG_VERSION")).Trim();
        var (_, output) = Run(TimeSpan.FromSeconds(10), binaries.Postgres, ["--version"]);
        // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
        var binariesMajor = output.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Skip(2).FirstOrDefault()?.Split('.')[0];
        if (binariesMajor is not null && binariesMajor != clusterMajor)
        {
            throw new PostgresUnavailableException(
                $"The local PostgreSQL cluster in {DataDirectory} was made by PostgreSQL {clusterMajor}, " +
                $"but the binaries in {binaries.Directory} are PostgreSQL {binariesMajor}. " +
                $"Delete {Root} to start with an empty database, " +
                "or set Postgres__BinDirectory to that version's bin folder.");
        }
    }

    private static void EnsureServiceAccountCanReach(string directory)
    {
        for (var dir = Directory.GetParent(directory); dir is not null; dir = dir.Parent)
        {
            if ((File.GetUnixFileMode(dir.FullName) & UnixFileMode.OtherExecute) == 0)
            {
                throw new PostgresUnavailableException(
                    $"PostgreSQL runs as the '{ServiceAccount}' user, which cannot enter {dir.FullName}. " +
                    "Set Postgres__DataDirectory to a folder it can reach (for example /var/tmp/inventory-postgres).");
            }
        }
    }

    private static void WritePrivateFile(string path, string content)
    {
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        using var writer = new StreamWriter(stream);
        writer.Write(content);
    }

    private static void RunOrThrow(string command, params string[] args)
    {
        var (exitCode, output) = Run(TimeSpan.FromSeconds(60), command, args);
        if (exitCode != 0)
        {
            throw new PostgresUnavailableException(
                $"'{command} {string.Join(' ', args)}' failed (exit {exitCode}): {output.Trim()}");
        }
    }

    private static (int ExitCode, string Output) Run(TimeSpan timeout, string command, string[] args)
    {
        var start = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The server programs run as another user, who may not be able to enter our current folder.
            WorkingDirectory = "/",
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout.TotalSeconds:0} s");
        }
        return (process.ExitCode, stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult());
    }
}