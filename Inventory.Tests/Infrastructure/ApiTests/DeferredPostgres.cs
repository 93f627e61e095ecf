using Testcontainers.PostgreSql;

namespace Inventory.Tests.Infrastructure.ApiTests;

/// <summary>
/// A PostgreSQL server whose address is known before it runs, for tests of "the database appears later":
/// the same kind as the run's <see cref="PostgresServer"/> (container or local binaries), on a fixed free port.
/// </summary>
public sealed class DeferredPostgres : IAsyncDisposable
{
    private const string ContainerPassword = "deferred-test-password";

    private readonly LocalPostgresProcess? _local;
    private readonly PostgreSqlContainer? _container;

    private DeferredPostgres(string connectionString, LocalPostgresProcess? local, PostgreSqlContainer? container)
    {
        ConnectionString = connectionString;
        _local = local;
        _container = container;
    }

    public string ConnectionString { get; }

    public static DeferredPostgres Prepare(PostgresServer like)
    {
        var port = FreePort.Tcp();
        if (like.Kind == "container")
        {
            var container = new PostgreSqlBuilder(PostgresServer.Image)
                .WithPassword(ContainerPassword)
                .WithPortBinding(port, PostgreSqlBuilder.PostgreSqlPort)
                .Build();
            return new DeferredPostgres(
                $"Host=127.0.0.1;Port={port};Username=postgres;Password={ContainerPassword}", null, container);
        }
        var local = LocalPostgresProcess.Prepare(port);
        return new DeferredPostgres(local.ConnectionString, local, null);
    }

    public async Task StartAsync()
    {
        if (_container is not null)
        {
            await _container.StartAsync();
        }
        else if (_local is not null)
        {
            await _local.StartServerAsync();
        }
    }

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
