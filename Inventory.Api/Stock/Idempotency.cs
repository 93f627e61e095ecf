using System.ComponentModel.DataAnnotations;
using Inventory.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Inventory.Api.Stock;

/// <summary>Section <c>Idempotency</c>: how long a stock POST's answer is kept for replay (at least a day).</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    [Range(typeof(TimeSpan), "1.00:00:00", "30.00:00:00", ErrorMessage = "Idempotency:Retention must be between {1} and {2}: keys are kept at least a day.")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(25);

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = "Idempotency:CleanupInterval must be between {1} and {2}.")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>An answer given once, replayed byte for byte.</summary>
public sealed record StoredResponse(int StatusCode, string ContentType, string Body);

/// <summary>
/// Idempotency records, used inside the stock transaction: <see cref="ClaimAsync"/> inserts the key first, so a
/// concurrent retry with the same key waits on that row until the first request commits, then replays its answer.
/// </summary>
internal sealed class IdempotencyStore(InventoryDbContext db, TimeProvider time, IOptions<IdempotencyOptions> options)
{
    /// <summary>Null when this request now owns the key; else the earlier request's hash and answer.</summary>
    public async Task<IdempotencyRecord?> ClaimAsync(string owner, string key, string requestHash, CancellationToken ct)
    {
        var now = time.DatabaseNow();
        var expiredBefore = now - options.Value.Retention;
        // A record past its retention that the clean-up has not removed yet no longer counts: the key starts afresh.
        var claimed = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO idempotency_records (owner, key, request_hash, status_code, content_type, body, created_at)
            VALUES ({owner}, {key}, {requestHash}, 0, '', '', {now})
            ON CONFLICT (owner, key) DO UPDATE
                SET request_hash = EXCLUDED.request_hash, status_code = 0, content_type = '', body = '', created_at = EXCLUDED.created_at
                WHERE idempotency_records.created_at < {expiredBefore}
            """, ct);
        if (claimed == 1)
        {
            return null;
        }
        return await db.IdempotencyRecords.AsNoTracking().SingleAsync(r => r.Owner == owner && r.Key == key, ct);
    }

    public async Task CompleteAsync(string owner, string key, StoredResponse response, CancellationToken ct) =>
        await db.Database.ExecuteSqlAsync($"""
            UPDATE idempotency_records SET status_code = {response.StatusCode}, content_type = {response.ContentType}, body = {response.Body}
            WHERE owner = {owner} AND key = {key}
            """, ct);

    public async Task<int> DeleteExpiredAsync(CancellationToken ct)
    {
        var expiredBefore = time.DatabaseNow() - options.Value.Retention;
        return await db.IdempotencyRecords.Where(r => r.CreatedAt < expiredBefore).ExecuteDeleteAsync(ct);
    }
}

/// <summary>Deletes idempotency records past their retention, every <see cref="IdempotencyOptions.CleanupInterval"/>.</summary>
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
                var deleted = await scope.ServiceProvider.GetRequiredService<IdempotencyStore>().DeleteExpiredAsync(stoppingToken);
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

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Could not delete expired idempotency records: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
