using Inventory.AppHost.Postgres;

namespace Inventory.Tests.Infrastructure.ApiTests;

/// <summary>
/// A throwaway PostgreSQL cluster from the machine's own binaries: a temp folder, a free port, stopped and
/// deleted on dispose. Made by the same code the AppHost uses in its no-container-engine mode.
/// </summary>
public sealed class LocalPostgresProcess : IAsyncDisposable
{
    private readonly LocalPostgresBinaries _binaries;
    private readonly LocalPostgresCluster _cluster;

    private LocalPostgresProcess(
        LocalPostgresBinaries binaries, LocalPostgresCluster cluster, int port, string password)
    {
        _binaries = binaries;
        _cluster = cluster;
        Port = port;
        ConnectionString = $"Host=127.0.0.1;Port={port};Username={LocalPostgresCluster.SuperUser};Password={password}";
    }

    public int Port { get; }

    /// <summary>
    /// Connection string to the server (no database named: the <c>postgres</c> maintenance database).
    /// </summary>
    public string ConnectionString { get; }

    public static bool BinariesFound => LocalPostgresBinaries.Find(null) is not null;

    public static async Task<LocalPostgresProcess> StartAsync(int? port = null)
    {
        var server = Prepare(port);
        await server.StartServerAsync();
        return server;
    }

    /// <summary>
    /// Makes the cluster (initdb) without starting it: its connection string is known before it answers.
    /// </summary>
    public static LocalPostgresProcess Prepare(int? port = null)
    {
        var binaries = LocalPostgresBinaries.Find(null) ?? throw new InvalidOperationException(
            "No PostgreSQL server binaries (initdb, postgres, pg_ctl) on PATH or under /usr/lib/postgresql/*/bin.");
        var cluster = new LocalPostgresCluster(binaries,
            Path.Combine(Path.GetTempPath(), $"inventory-test-pg-{Guid.NewGuid():N}"));
        var password = cluster.EnsureInitialized();
        return new LocalPostgresProcess(binaries, cluster, port ?? FreePort.Tcp(), password);
    }

    public async Task StartServerAsync()
    {
        var options = $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= " +
            "-c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
        var result = await ProcessRunner.RunAsync(
            LocalPostgresCluster.ServerCommand(_binaries.PgCtl),
            LocalPostgresCluster.ServerArguments(_binaries.PgCtl,
                "-D", _cluster.DataDirectory, "-l", Path.Combine(_cluster.Root, "server.log"), "-o", options,
                "start", "-w", "-t", "60"),
            workingDirectory: "/",
            timeout: TimeSpan.FromSeconds(90));
        if (!result.Succeeded)
        {
            var log = File.Exists(Path.Combine(_cluster.Root, "server.log"))
                ? await File.ReadAllTextAsync(Path.Combine(_cluster.Root, "server.log"))
                : "";
            throw new InvalidOperationException($"pg_ctl start failed ({result.ExitCode}):\n{result.Output}\n{log}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync(
            LocalPostgresCluster.ServerCommand(_binaries.PgCtl),
            LocalPostgresCluster.ServerArguments(
                _binaries.PgCtl, "-D", _cluster.DataDirectory, "stop", "-m", "immediate", "-w"),
            workingDirectory: "/",
            timeout: TimeSpan.FromSeconds(60));
        Directory.Delete(_cluster.Root, recursive: true);
    }
}
