using Inventory.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Inventory.Api.Stock;

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
                SET request_hash = EXCLUDED.request_hash, status_code = 0, content_type = '', body = '',
                    created_at = EXCLUDED.created_at
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
            UPDATE idempotency_records
            SET status_code = {response.StatusCode}, content_type = {response.ContentType}, body = {response.Body}
            WHERE owner = {owner} AND key = {key}
            """, ct);

    public async Task<int> DeleteExpiredAsync(CancellationToken ct)
    {
        var expiredBefore = time.DatabaseNow() - options.Value.Retention;
        return await db.IdempotencyRecords.Where(r => r.CreatedAt < expiredBefore).ExecuteDeleteAsync(ct);
    }
}