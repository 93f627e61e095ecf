using System.Linq.Expressions;
using Inventory.Api.Data;

namespace Inventory.Api.Reports;

/// <summary>
/// What "low" means, for the low-stock report and the item list's <c>lowStock</c> filter alike: an item with a reorder
/// point (above 0) whose on-hand total is at or below it. A reorder point of 0 means none is set, so that item is
/// never low, however little it holds.
/// </summary>
internal static class LowStock
{
    public static readonly Expression<Func<Item, bool>> IsLow =
        i => i.ReorderPoint > 0 && i.StockLevels.Sum(s => s.Quantity) <= i.ReorderPoint;
}
