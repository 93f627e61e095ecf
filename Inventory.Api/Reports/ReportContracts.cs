namespace Inventory.Api.Reports;

/// <summary>An active item at or below its reorder point; <c>shortfall</c> = reorderPoint − onHand.</summary>
public sealed record LowStockItem(string Sku, string Name, string? Category, string Unit, int ReorderPoint, long OnHand,
    long Shortfall);

public sealed record LowStockReport(DateTimeOffset GeneratedAt, IReadOnlyList<LowStockItem> Items);