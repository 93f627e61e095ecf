using Inventory.Api.Data;
using Inventory.Api.Items;
using Inventory.Api.Portal.Pages.Import;
using Inventory.Api.Reports;
using LowStockCsvFile = Inventory.Api.Reports.LowStockCsv;

namespace Inventory.Api.Portal.Pages;

/// <summary>
/// The portal's data pages (reports, import, export, labels): the import's preview store, and the file downloads — a
/// page cannot answer with a file, so two plain endpoints do, behind the portal's sign-in, writing the same CSV as the
/// API (<see cref="ItemsCsvExport"/>, <see cref="LowStockCsvFile"/>).
/// </summary>
internal static class PortalDataPages
{
    public const string ItemsCsv = "/export/items.csv";
    public const string LowStockCsv = "/reports/low-stock.csv";

    public static IHostApplicationBuilder AddPortalDataPages(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ImportPreviews>();
        return builder;
    }

    public static IEndpointRouteBuilder MapPortalDataPages(this IEndpointRouteBuilder portal)
    {
        portal.MapGet(ItemsCsv, (InventoryDbContext db, HttpContext http) =>
                TypedResults.Stream(body => ItemsCsvExport.WriteAsync(db, body, http.RequestAborted),
                    ItemsCsvExport.ContentType, ItemsCsvExport.FileName))
            .RequireAuthorization(PortalPolicies.Read).ExcludeFromDescription();
        portal.MapGet(LowStockCsv, (InventoryDbContext db, TimeProvider time, HttpContext http) =>
                TypedResults.Stream(body => LowStockCsvFile.WriteAsync(db, time.DatabaseNow(), body,
                    http.RequestAborted), LowStockCsvFile.ContentType, LowStockCsvFile.FileName))
            .RequireAuthorization(PortalPolicies.Read).ExcludeFromDescription();
        return portal;
    }
}
