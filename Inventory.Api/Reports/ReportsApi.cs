using Inventory.Api.Data;
using Inventory.Api.Paging;
using Microsoft.AspNetCore.Http.HttpResults;

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
                + "and the time the report was made. Paged like the item list: limit (1-200, default 50) and "
                + "nextCursor passed back as cursor. Items with reorder point 0 (none set) are never listed. Ties in "
                + "shortfall go by SKU.");
        return api;
    }

    public static async Task<Results<Ok<LowStockReport>, ValidationProblem>> GetLowStock(
        [AsParameters] PageQuery page, InventoryDbContext db, TimeProvider time, CancellationToken ct) =>
        await LowStockQuery.ReadPageAsync(db, page.Cursor, page.Limit ?? PageQuery.DefaultLimit, time.DatabaseNow(),
            ct) is { } report
            ? TypedResults.Ok(report)
            : KeysetCursor.Invalid();
}
