using Inventory.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Inventory.Api.Stock;

/// <summary>
/// Deletes idempotency records past their retention, every <see cref="IdempotencyOptions.CleanupInterval"/>.
/// </summary>
internal sealed partial class IdempotencyCleanup(
    IServiceScopeFactory scopes,
    DatabaseReadiness readiness,
    TimeProvider time,
    IOptions<IdempotencyOptions> options,
    ILogger<IdempotencyCleanup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CleanupInterval, time);
        do
        {
            if (!readiness.IsMigrated)
            {
                continue;
            }
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var store = scope.ServiceProvider.GetRequiredService<IdempotencyStore>();
                var deleted = await store.DeleteExpiredAsync(stoppingToken);
                LogDeleted(logger, deleted);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The next round tries again; a database that is down is reported by /health, not here.
                LogFailed(logger, ex.GetBaseException().Message);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Debug, Message = "Deleted {Count} expired idempotency record(s).")]
    private static partial void LogDeleted(ILogger logger, int count);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning,
        Message = "Could not delete expired idempotency records: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}