using Inventory.Api.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Reports;

internal static class ReportsApi
{
    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder api)
    {
        api.MapGroup("/reports").WithTags("Reports")
            .MapGet("/low-stock", GetLowStock).WithName("GetLowStockReport")
            .WithSummary(
                "Active items whose on-hand total is at or below their reorder point, largest shortfall first")
            .WithDescription("Each such item with its on-hand total and its shortfall (reorder point minus on hand), "
                + "and the time the report was made.");
        return api;
    }

    public static async Task<Ok<LowStockReport>> GetLowStock(
        InventoryDbContext db, TimeProvider time, CancellationToken ct)
    {
        var rows = await db.Items.AsNoTracking()
            .Where(i => !i.Archived)
            .Select(i => new { Item = i, OnHand = i.StockLevels.Sum(s => s.Quantity) })
            .Where(r => r.OnHand <= r.Item.ReorderPoint)
            .OrderByDescending(r => r.Item.ReorderPoint - r.OnHand).ThenBy(r => r.Item.SkuKey)
            .Select(r => new LowStockItem(r.Item.Sku, r.Item.Name, r.Item.Category, r.Item.Unit, r.Item.ReorderPoint,
                r.OnHand, r.Item.ReorderPoint - r.OnHand))
            .ToListAsync(ct);
        return TypedResults.Ok(new LowStockReport(time.DatabaseNow(), rows));
    }
}