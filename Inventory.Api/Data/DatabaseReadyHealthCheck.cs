using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Inventory.Api.Data;

/// <summary>
/// Whether this process has applied every migration. Set once by <see cref="DatabaseMigrator"/>;
/// the readiness probe (<c>/health</c>) stays 503 until then.
/// </summary>
public sealed class DatabaseReadiness
{
    private volatile bool _migrated;

    public bool IsMigrated => _migrated;

    public void MarkMigrated() => _migrated = true;
}

/// <summary>
/// Ready = every migration applied and the database answers <c>SELECT 1</c> now. The probe uses its own unpooled
/// connection with short connect and command timeouts and gives up on a server that does not even answer a
/// cancel request: a frozen database turns <c>/health</c> 503 within seconds instead of hanging the deploy gate.
/// </summary>
internal sealed class DatabaseReadyHealthCheck(DatabaseReadiness readiness, IConfiguration configuration) : IHealthCheck
{
    internal static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    private readonly Lazy<string> _probeConnectionString = new(() =>
        new NpgsqlConnectionStringBuilder(configuration.GetConnectionString(DatabaseExtensions.ConnectionName))
        {
            Pooling = false,
            Timeout = (int)ProbeTimeout.TotalSeconds,
            CommandTimeout = (int)ProbeTimeout.TotalSeconds,
            CancellationTimeout = -1,
            ApplicationName = "inventory-api-health",
        }.ConnectionString);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!readiness.IsMigrated)
        {
            return HealthCheckResult.Unhealthy("Database migrations have not been applied yet.");
        }
        try
        {
            await ProbeAsync(cancellationToken).WaitAsync(ProbeTimeout + ProbeTimeout, cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The exception stays out of the result: the probe's body reveals nothing, and its log neither.
            return HealthCheckResult.Unhealthy($"Database did not answer ({ex.GetType().Name}).");
        }
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_probeConnectionString.Value);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync(cancellationToken);
    }
}
