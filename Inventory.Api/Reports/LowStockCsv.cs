using CsvHelper;
using Inventory.Api.Data;
using Inventory.Api.Items;

namespace Inventory.Api.Reports;

/// <summary>
/// The whole low-stock report as CSV, in the report's order, for the portal's download. Text cells that a spreadsheet
/// would run as formulas are escaped as the item export escapes them (<see cref="CsvFormulas"/>).
/// </summary>
internal static class LowStockCsv
{
    public const string ContentType = ItemsCsvExport.ContentType;
    public const string FileName = "low-stock.csv";

    public static readonly string[] Columns = [.. ItemsCsvExport.Columns, "shortfall"];

    public static async Task WriteAsync(InventoryDbContext db, DateTimeOffset generatedAt, Stream body,
        CancellationToken ct)
    {
        await using var csv = CsvWriter.Create(body, CsvFormulas.Neutralise(CsvWriterOptions.Default), leaveOpen: true);
        await csv.WriteRecordAsync(Columns, ct);
        await foreach (var row in LowStockQuery.ReadAllAsync(db, generatedAt, ct))
        {
            ItemsCsvExport.WriteItemFields(csv, row.Sku, row.Name, row.Category, row.Unit, row.ReorderPoint,
                row.OnHand);
            csv.WriteField(row.Shortfall, default);
            await csv.EndRecordAsync(ct);
        }
        await csv.FlushAsync(ct);
    }
}
