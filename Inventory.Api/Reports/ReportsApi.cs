using System.Globalization;
using Inventory.Api.Data;
using Inventory.Api.Paging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Reports;

internal static class ReportsApi
{
    private const string LowStockCursorScope = "low-stock";

    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder api)
    {
        api.MapGroup("/reports").WithTags("Reports")
            .MapGet("/low-stock", GetLowStock).WithName("GetLowStockReport")
            .WithSummary(
                "Active items whose on-hand total is at or below their reorder point, largest shortfall first")
            .WithDescription("Each such item with its on-hand total and its shortfall (reorder point minus on hand), "
                + "and the time the report was made. Paged like the item list: limit (1-200, default 50) and "
                + "nextCursor passed back as cursor. Items with reorder point 0 (none set) are never listed. Ties in "
                + "shortfall go by SKU.");
        return api;
    }

    public static async Task<Results<Ok<LowStockReport>, ValidationProblem>> GetLowStock(
        [AsParameters] PageQuery page, InventoryDbContext db, TimeProvider time, CancellationToken ct)
    {
        if (!KeysetCursor.TryDecode(page.Cursor, LowStockCursorScope, out var position)
            || !TryReadPosition(position, out var after))
        {
            return KeysetCursor.Invalid();
        }
        var limit = page.Limit ?? PageQuery.DefaultLimit;

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
            next = KeysetCursor.Encode(LowStockCursorScope,
                string.Create(CultureInfo.InvariantCulture, $"{last.Excess}:{last.Row.SkuKey}"), last.Row.Id);
        }
        var items = found.Take(limit).Select(r => new LowStockItem(r.Row.Sku, r.Row.Name, r.Row.Category, r.Row.Unit,
            r.Row.ReorderPoint, r.Row.OnHand, -r.Excess)).ToList();
        return TypedResults.Ok(new LowStockReport(time.DatabaseNow(), items, next));
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
