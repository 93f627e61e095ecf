using CsvHelper;
using Inventory.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Items;

/// <summary>
/// The catalogue as CSV, row by row as the database returns them: one row per active item by SKU, in a file the
/// import takes back as it is. <c>GET /api/items/export</c> and the portal's export download both write it.
/// </summary>
internal static class ItemsCsvExport
{
    public const string ContentType = "text/csv; charset=utf-8";
    public const string FileName = "items.csv";

    public static readonly string[] Columns = ["sku", "name", "category", "unit", "reorderPoint", "onHand"];

    public static async Task WriteAsync(InventoryDbContext db, Stream body, CancellationToken ct)
    {
        await using var csv = CsvWriter.Create(body, CsvFormulas.Neutralise(CsvWriterOptions.Default), leaveOpen: true);
        await csv.WriteRecordAsync(Columns, ct);

        // The writer flushes its buffer whenever it is mostly full.
        var rows = db.Items.AsNoTracking().Where(i => !i.Archived).OrderBy(i => i.SkuKey)
            .Select(i => new
            {
                i.Sku, i.Name, i.Category, i.Unit, i.ReorderPoint, OnHand = i.StockLevels.Sum(s => s.Quantity),
            })
            .AsAsyncEnumerable();
        await foreach (var row in rows.WithCancellation(ct))
        {
            WriteItemFields(csv, row.Sku, row.Name, row.Category, row.Unit, row.ReorderPoint, row.OnHand);
            await csv.EndRecordAsync(ct);
        }
        await csv.FlushAsync(ct);
    }

    /// <summary>
    /// The item's cells in the order of <see cref="Columns"/>, text escaped against formulas; other files that list
    /// items (the low-stock report's) start their rows with them too.
    /// </summary>
    public static void WriteItemFields(CsvWriter csv, string sku, string name, string? category, string unit,
        int reorderPoint, long onHand)
    {
        csv.WriteField(CsvFormulas.ForExport(sku));
        csv.WriteField(CsvFormulas.ForExport(name));
        csv.WriteField(CsvFormulas.ForExport(category));
        csv.WriteField(CsvFormulas.ForExport(unit));
        csv.WriteField(reorderPoint, default);
        csv.WriteField(onHand, default);
    }
}
