using Inventory.Api.Data;
using Inventory.Api.Http;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Stock;

// Archiving an item, which the ledger guards: nothing may be on hand.
internal sealed partial class StockLedger
{
    /// <summary>Archives an item; refused while any location holds it. Null when archived (or already was).</summary>
    public async Task<LedgerResult.Refused?> ArchiveAsync(string sku, CancellationToken ct)
    {
        var items = await db.Database.SqlQuery<ArchiveRow>($"""
            SELECT id AS "ItemId", archived AS "Archived" FROM items WHERE sku_key = {CodeKey.Of(sku)} FOR UPDATE
            """).ToListAsync(ct);
        if (items.Count == 0)
        {
            return ItemNotFound(sku);
        }
        var item = items[0];
        if (item.Archived)
        {
            return null;
        }

        // Read after the FOR UPDATE lock: every movement that held the item's key-share lock has committed by now.
        var onHand = (await db.Database.SqlQuery<long>($"""
            SELECT COALESCE(SUM(quantity), 0)::bigint AS "Value" FROM stock_levels WHERE item_id = {item.ItemId}
            """).ToListAsync(ct)).Single();
        if (onHand > 0)
        {
            return new LedgerResult.Refused(Problems.StockOnHand,
                $"Item '{sku}' still has {onHand} on hand; issue, transfer or count it to zero before archiving.",
                new Dictionary<string, object?> { ["onHand"] = onHand });
        }
        await db.Database.ExecuteSqlAsync($"""
            UPDATE items SET archived = TRUE, updated_at = {time.DatabaseNow()} WHERE id = {item.ItemId}
            """, ct);
        return null;
    }

    private sealed class ArchiveRow
    {
        public long ItemId { get; set; }
        public bool Archived { get; set; }
    }
}