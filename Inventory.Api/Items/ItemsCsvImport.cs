using Inventory.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Items;

/// <summary>
/// Creates or updates the items of a validated CSV file, all in one transaction. Rows of archived items change
/// nothing: restoring is a decision of its own (<c>POST /api/items/{sku}/restore</c>), so they are reported instead.
/// </summary>
internal static class ItemsCsvImport
{
    /// <summary>Rows saved per round trip; the change tracker is emptied between chunks: memory stays flat.</summary>
    private const int ImportChunkSize = 1_000;

    /// <summary>Archived SKUs listed in the summary at most; <c>archived</c> counts them all.</summary>
    private const int MaxListedArchived = 100;

    public static async Task<ImportSummary> ApplyAsync(
        InventoryDbContext db, IReadOnlyList<CreateItemRequest> rows, DateTimeOffset now, CancellationToken ct)
    {
        // One transaction around every chunk: the import stays all-or-nothing.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        int created = 0, updated = 0, unchanged = 0;
        var archived = new List<string>();
        foreach (var chunk in rows.Chunk(ImportChunkSize))
        {
            var keys = chunk.Select(r => CodeKey.Of(r.Sku!)).ToList();
            var existing = await db.Items.Where(i => keys.Contains(i.SkuKey)).ToDictionaryAsync(i => i.SkuKey, ct);
            foreach (var row in chunk)
            {
                var unit = string.IsNullOrEmpty(row.Unit) ? Item.DefaultUnit : row.Unit;
                var category = string.IsNullOrEmpty(row.Category) ? null : row.Category;
                var reorderPoint = row.ReorderPoint ?? 0;
                if (!existing.TryGetValue(CodeKey.Of(row.Sku!), out var item))
                {
                    db.Items.Add(new Item
                    {
                        Sku = row.Sku!, Name = row.Name!, Category = category, Unit = unit,
                        ReorderPoint = reorderPoint, CreatedAt = now, UpdatedAt = now,
                    });
                    created++;
                }
                else if (item.Archived)
                {
                    archived.Add(item.Sku);
                }
                else if (item.Name != row.Name || item.Category != category || item.Unit != unit
                    || item.ReorderPoint != reorderPoint)
                {
                    (item.Name, item.Category, item.Unit, item.ReorderPoint, item.UpdatedAt) =
                        (row.Name!, category, unit, reorderPoint, now);
                    updated++;
                }
                else
                {
                    unchanged++;
                }
            }
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
        await transaction.CommitAsync(ct);
        return new ImportSummary(rows.Count, created, updated, unchanged, archived.Count,
            archived.Take(MaxListedArchived).ToList());
    }
}
