using Inventory.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Stock;

// The books' check: the movements of every (item, location) sum to its quantity on hand.
internal sealed partial class StockLedger
{
    /// <summary>
    /// Every (item, location) whose ledger sum differs from its quantity on hand; empty when the books balance.
    /// </summary>
    public async Task<IReadOnlyList<LedgerMismatch>> FindMismatchesAsync(CancellationToken ct) =>
        await db.Database.SqlQuery<LedgerMismatch>($"""
            WITH deltas AS (
                SELECT item_id, location_id,
                       CASE type WHEN {MovementTypes.Issue} THEN -quantity WHEN {MovementTypes.Transfer} THEN -quantity
                                 ELSE quantity END AS delta
                FROM stock_movements
                UNION ALL
                SELECT item_id, to_location_id, quantity FROM stock_movements WHERE type = {MovementTypes.Transfer}),
            sums AS (SELECT item_id, location_id, SUM(delta)::bigint AS total FROM deltas GROUP BY item_id, location_id)
            SELECT COALESCE(s.item_id, l.item_id) AS "ItemId", COALESCE(s.location_id, l.location_id) AS "LocationId",
                   COALESCE(s.quantity, 0) AS "OnHand", COALESCE(l.total, 0) AS "LedgerSum"
            FROM stock_levels s FULL JOIN sums l ON l.item_id = s.item_id AND l.location_id = s.location_id
            WHERE COALESCE(s.quantity, 0) <> COALESCE(l.total, 0)
            """).ToListAsync(ct);
}