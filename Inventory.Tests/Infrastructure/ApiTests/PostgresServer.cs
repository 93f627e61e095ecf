using Npgsql;
using Testcontainers.PostgreSql;

[assembly: AssemblyFixture(typeof(Inventory.Tests.Infrastructure.ApiTests.PostgresServer))]

namespace Inventory.Tests.Infrastructure.ApiTests;

/// <summary>
/// One real PostgreSQL server for the whole test run; each test class takes its own database from it.
/// A Testcontainers container when a Docker engine answers, else a throwaway cluster from the machine's binaries,
/// else a clear failure. <c>INVENTORY_TEST_POSTGRES=container|local</c> forces one of them.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    /// <summary>The image Aspire.Hosting.PostgreSQL 13.6.5 runs, so tests and the AppHost use one PostgreSQL.</summary>
    public const string Image = "docker.io/library/postgres:18.3";

    private PostgreSqlContainer? _container;
    private LocalPostgresProcess? _local;

    public string Kind { get; private set; } = "none";

    public string ConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var wanted = Environment.GetEnvironmentVariable("INVENTORY_TEST_POSTGRES")?.ToLowerInvariant() ?? "auto";
        if (wanted == "container" || (wanted == "auto" && await DockerEngine.IsAvailableAsync()))
        {
            _container = new PostgreSqlBuilder(Image)
                .WithCommand("-c", "max_connections=300", "-c", "fsync=off", "-c", "synchronous_commit=off")
                .Build();
            await _container.StartAsync();
            ConnectionString = _container.GetConnectionString();
            Kind = "container";
            return;
        }

        if (!LocalPostgresProcess.BinariesFound)
        {
            throw new InvalidOperationException(
                "The API tests need a real PostgreSQL: start a Docker engine (Testcontainers), or install the " +
                "PostgreSQL server binaries (initdb, postgres, pg_ctl on PATH or under /usr/lib/postgresql/*/bin).");
        }
        _local = await LocalPostgresProcess.StartAsync();
        ConnectionString = _local.ConnectionString;
        Kind = "local";
    }

    /// <summary>A new, empty database on this server; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)].ToLowerInvariant();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return DatabaseConnectionString(name);
    }

    /// <summary>Connection string for <paramref name="database"/> on this server (which may not exist yet).</summary>
    public string DatabaseConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Database = database }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
        if (_local is not null)
        {
            await _local.DisposeAsync();
        }
    }
}
