using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Inventory.Api.Data;

/// <summary>
/// Ready = every migration applied and the database answered <c>SELECT 1</c> within the last
/// <see cref="Freshness"/>. The probe uses its own unpooled connection with short connect and command timeouts and
/// gives up on a server that does not even answer a cancel request: a frozen database turns <c>/health</c> 503 within
/// seconds instead of hanging the deploy gate.
/// </summary>
/// <remarks>
/// <c>/health</c> needs no key and is reachable through the proxy, so its answer is shared: at most one database
/// check runs at a time, every probe arriving meanwhile awaits that one, and its result serves every probe for
/// <see cref="Freshness"/> after it completes. A flood of probes therefore opens about one connection a second.
/// </remarks>
internal sealed class DatabaseReadyHealthCheck(
    DatabaseReadiness readiness, IConfiguration configuration, TimeProvider time) : IHealthCheck
{
    internal static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How long one database check answers for every probe.</summary>
    internal static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private Task<HealthCheckResult>? _check;
    private long _checkedAt;

    private readonly Lazy<string> _probeConnectionString = new(() =>
        new NpgsqlConnectionStringBuilder(configuration.GetConnectionString(DatabaseExtensions.ConnectionName))
        {
            Pooling = false,
            Timeout = (int)ProbeTimeout.TotalSeconds,
            CommandTimeout = (int)ProbeTimeout.TotalSeconds,
            CancellationTimeout = -1,
            ApplicationName = "inventory-api-health",
        }.ConnectionString);

    public Task<HealthCheckResult> CheckHealthAsync(
        HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!readiness.IsMigrated)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("Database migrations have not been applied yet."));
        }
        Task<HealthCheckResult> check;
        lock (_gate)
        {
            if (_check is null || (_check.IsCompleted && time.GetElapsedTime(_checkedAt) >= Freshness))
            {
                _check = CheckDatabaseAsync();
            }
            check = _check;
        }
        // A probe that gives up leaves the shared check running for the others.
        return check.WaitAsync(cancellationToken);
    }

    private async Task<HealthCheckResult> CheckDatabaseAsync()
    {
        try
        {
            // No caller's token: the check is shared, and its own timeouts bound it.
            await ProbeAsync().WaitAsync(ProbeTimeout + ProbeTimeout);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The exception stays out of the result: the probe's body reveals nothing, and its log neither.
            return HealthCheckResult.Unhealthy($"Database did not answer ({ex.GetType().Name}).");
        }
        finally
        {
            _checkedAt = time.GetTimestamp();
        }
    }

    private async Task ProbeAsync()
    {
        await using var connection = new NpgsqlConnection(_probeConnectionString.Value);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync();
    }
}
