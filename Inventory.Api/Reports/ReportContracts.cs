namespace Inventory.Api.Reports;

/// <summary>An active item at or below its reorder point; <c>shortfall</c> = reorderPoint − onHand.</summary>
public sealed record LowStockItem(string Sku, string Name, string? Category, string Unit, int ReorderPoint, long OnHand,
    long Shortfall);

/// <summary>A page of the report; pass <c>nextCursor</c> back as <c>cursor</c> for the next (null: the last).</summary>
public sealed record LowStockReport(DateTimeOffset GeneratedAt, IReadOnlyList<LowStockItem> Items, string? NextCursor);
