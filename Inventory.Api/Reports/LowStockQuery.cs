using System.Globalization;
using Inventory.Api.Data;
using Inventory.Api.Paging;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Reports;

/// <summary>
/// One page of the low-stock report, for <c>GET /api/reports/low-stock</c> and the portal's report page alike: active
/// items at or below their reorder point (<see cref="LowStock"/>), largest shortfall first, ties by SKU.
/// </summary>
internal static class LowStockQuery
{
    private const string CursorScope = "low-stock";

    /// <summary>The page after <paramref name="cursor"/> (null: the first); null when the cursor is not one it issued.</summary>
    public static async Task<LowStockReport?> ReadPageAsync(InventoryDbContext db, string? cursor, int limit,
        DateTimeOffset generatedAt, CancellationToken ct)
    {
        if (!KeysetCursor.TryDecode(cursor, CursorScope, out var position) || !TryReadPosition(position, out var after))
        {
            return null;
        }

        // Largest shortfall first is smallest (onHand - reorderPoint) first, so the keyset is one ascending row value.
        var rows = db.Items.AsNoTracking().Where(i => !i.Archived).Where(LowStock.IsLow)
            .Select(i => new
            {
                i.Id, i.SkuKey, i.Sku, i.Name, i.Category, i.Unit, i.ReorderPoint,
                OnHand = i.StockLevels.Sum(s => s.Quantity),
            })
            .Select(r => new { Row = r, Excess = r.OnHand - r.ReorderPoint });
        if (after is { } start)
        {
            var (excess, skuKey, id) = start;
            rows = rows.Where(r => EF.Functions.GreaterThan(ValueTuple.Create(r.Excess, r.Row.SkuKey, r.Row.Id),
                ValueTuple.Create(excess, skuKey, id)));
        }
        var found = await rows.OrderBy(r => r.Excess).ThenBy(r => r.Row.SkuKey).ThenBy(r => r.Row.Id)
            .Take(limit + 1).ToListAsync(ct);

        string? next = null;
        if (found.Count > limit)
        {
            var last = found[limit - 1];
            next = KeysetCursor.Encode(CursorScope,
                string.Create(CultureInfo.InvariantCulture, $"{last.Excess}:{last.Row.SkuKey}"), last.Row.Id);
        }
        var items = found.Take(limit).Select(r => new LowStockItem(r.Row.Sku, r.Row.Name, r.Row.Category, r.Row.Unit,
            r.Row.ReorderPoint, r.Row.OnHand, -r.Excess)).ToList();
        return new LowStockReport(generatedAt, items, next);
    }

    /// <summary>Every row of the report, page by page in the report's order (for a download of the whole report).</summary>
    public static async IAsyncEnumerable<LowStockItem> ReadAllAsync(InventoryDbContext db, DateTimeOffset generatedAt,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        string? cursor = null;
        do
        {
            var page = await ReadPageAsync(db, cursor, PageQuery.MaxLimit, generatedAt, ct)
                ?? throw new InvalidOperationException("The report refused a cursor it issued itself.");
            foreach (var item in page.Items)
            {
                yield return item;
            }
            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }

    /// <summary>The position: key <c>"&lt;onHand - reorderPoint&gt;:&lt;sku key&gt;"</c>; false if malformed.</summary>
    private static bool TryReadPosition(KeysetPosition? position, out (long Excess, string SkuKey, long Id)? after)
    {
        after = null;
        if (position is null)
        {
            return true;
        }
        var colon = position.Key.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !long.TryParse(position.Key.AsSpan(0, colon), NumberStyles.AllowLeadingSign,
                CultureInfo.InvariantCulture, out var excess))
        {
            return false;
        }
        after = (excess, position.Key[(colon + 1)..], position.Id);
        return true;
    }
}
