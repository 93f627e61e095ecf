using Inventory.Api.Auth;
using Inventory.Api.Data;
using Inventory.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Items;

/// <summary><c>POST /api/items/{sku}/restore</c>: an archived item becomes active again; idempotent.</summary>
internal static class ItemRestore
{
    public static RouteGroupBuilder MapItemRestore(this RouteGroupBuilder items)
    {
        items.MapPost("/{sku}/restore", Restore).WithName("RestoreItem")
            .WithSummary("Restore an archived item")
            .WithDescription("Makes an archived item active again: listed, exported and able to take stock. "
                + "Restoring an active item changes nothing and answers 200 as well. Admin only.")
            .RequireAuthorization(ApiPolicies.ManageCatalogue)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return items;
    }

    public static async Task<Results<Ok<ItemResponse>, ProblemHttpResult>> Restore(
        string sku, InventoryDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var restored = await RestoreAsync(db, time, sku, ct);
        if (restored is null)
        {
            return Problems.Result(Problems.ItemNotFound, $"No item has SKU '{sku}'.");
        }
        http.Response.Headers.ETag = ItemETag.Format(restored.Value.Version, restored.Value.Item);
        return TypedResults.Ok(restored.Value.Item);
    }

    /// <summary>Makes the item active again (a no-op if it was); the item as it is now, or null if none.</summary>
    public static async Task<(ItemResponse Item, uint Version)?> RestoreAsync(InventoryDbContext db, TimeProvider time,
        string sku, CancellationToken ct)
    {
        var key = CodeKey.Of(sku);
        // One statement: an archive racing it takes the row lock first or after, never half of each.
        await db.Items.Where(i => i.SkuKey == key && i.Archived)
            .ExecuteUpdateAsync(set => set.SetProperty(i => i.Archived, false)
                .SetProperty(i => i.UpdatedAt, time.DatabaseNow()), ct);
        return await ItemQueries.LoadAsync(db, sku, ct);
    }
}
