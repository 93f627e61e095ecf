using Inventory.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Items;

/// <summary>What an item edit did: saved (with the item as read back and its version), or why not.</summary>
internal enum ItemEditOutcome
{
    Saved,
    NotFound,
    Stale,
}

/// <summary>
/// Creating and editing items, for the API and the portal alike: the defaults (unit <c>pcs</c>, reorder point 0) and
/// the version check that refuses an edit made on a stale read.
/// </summary>
internal static class ItemCatalogue
{
    /// <summary>The new item and its version; null when its SKU is taken (unique regardless of case).</summary>
    public static async Task<(ItemResponse Item, uint Version)?> CreateAsync(InventoryDbContext db, TimeProvider time,
        CreateItemRequest request, CancellationToken ct)
    {
        var now = time.DatabaseNow();
        var item = new Item
        {
            Sku = request.Sku!,
            Name = request.Name!,
            Description = request.Description,
            Category = request.Category,
            Unit = request.Unit ?? Item.DefaultUnit,
            ReorderPoint = request.ReorderPoint ?? 0,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Items.Add(item);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (PostgresErrors.IsUniqueViolation(ex))
        {
            db.ChangeTracker.Clear();
            return null;
        }
        return (new ItemResponse(item.Sku, item.Name, item.Description, item.Category, item.Unit, item.ReorderPoint,
            item.Archived, 0, [], item.CreatedAt, item.UpdatedAt), item.Version);
    }

    /// <summary>
    /// Replaces the item's editable fields when <paramref name="isCurrent"/> accepts its version (the one the editor
    /// read); the UPDATE itself carries <c>WHERE xmin = &lt;version read&gt;</c>, so an edit in between is stale too.
    /// </summary>
    public static async Task<(ItemEditOutcome Outcome, ItemResponse? Item, uint Version)> UpdateAsync(
        InventoryDbContext db, TimeProvider time, string sku, UpdateItemRequest request, Func<uint, bool> isCurrent,
        CancellationToken ct)
    {
        var key = CodeKey.Of(sku);
        var item = await db.Items.SingleOrDefaultAsync(i => i.SkuKey == key, ct);
        if (item is null)
        {
            return (ItemEditOutcome.NotFound, null, 0);
        }
        if (!isCurrent(item.Version))
        {
            return (ItemEditOutcome.Stale, null, 0);
        }

        item.Name = request.Name!;
        item.Description = request.Description;
        item.Category = request.Category;
        item.Unit = request.Unit ?? Item.DefaultUnit;
        item.ReorderPoint = request.ReorderPoint ?? 0;
        item.UpdatedAt = time.DatabaseNow();
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return (ItemEditOutcome.Stale, null, 0);
        }

        var saved = (await ItemQueries.LoadAsync(db, sku, ct))!.Value;
        return (ItemEditOutcome.Saved, saved.Item, saved.Version);
    }
}
