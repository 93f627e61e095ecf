using System.Linq.Expressions;
using Inventory.Api.Data;
using Inventory.Api.Paging;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Stock;

/// <summary>Reading the ledger back: an item's movements, newest first, for the API and the portal alike.</summary>
internal static class MovementQueries
{
    public const string CursorScope = "movements";

    /// <summary>
    /// A page of the item's movements after <paramref name="cursor"/>, newest first; null when no item has the SKU.
    /// False in <c>CursorValid</c> (and no page) when the cursor is not one this listing issued.
    /// </summary>
    public static async Task<(bool CursorValid, StockMovementPage? Page)> ForItemAsync(InventoryDbContext db,
        string sku, string? cursor, int limit, CancellationToken ct)
    {
        if (!KeysetCursor.TryDecode(cursor, CursorScope, KeysetCursor.NoKeys, out var after))
        {
            return (false, null);
        }
        var key = CodeKey.Of(sku);
        var itemId = await db.Items.Where(i => i.SkuKey == key).Select(i => (long?)i.Id).SingleOrDefaultAsync(ct);
        if (itemId is null)
        {
            return (true, null);
        }

        var query = db.StockMovements.AsNoTracking().Where(m => m.ItemId == itemId);
        if (after is not null)
        {
            query = query.Where(m => m.Id < after.Id);
        }
        var rows = await query.OrderByDescending(m => m.Id).Take(limit + 1).Select(Response).ToListAsync(ct);
        var next = rows.Count > limit ? KeysetCursor.Encode(CursorScope, "", rows[limit - 1].Id) : null;
        return (true, new StockMovementPage(rows.Take(limit).ToList(), next));
    }

    /// <summary>The latest <paramref name="count"/> movements of every item, newest first.</summary>
    public static Task<List<StockMovementResponse>> RecentAsync(InventoryDbContext db, int count,
        CancellationToken ct) =>
        db.StockMovements.AsNoTracking().OrderByDescending(m => m.Id).Take(count).Select(Response).ToListAsync(ct);

    /// <summary>One movement by its id; null if none has it.</summary>
    public static Task<StockMovementResponse?> ByIdAsync(InventoryDbContext db, long id, CancellationToken ct) =>
        db.StockMovements.AsNoTracking().Where(m => m.Id == id).Select(Response).SingleOrDefaultAsync(ct);

    private static readonly Expression<Func<StockMovement, StockMovementResponse>> Response =
        m => new StockMovementResponse(m.Id, m.Type, m.Item.Sku,
            m.ToLocationId == null ? m.Location.Code : null,
            m.ToLocationId == null ? null : m.Location.Code,
            m.ToLocation == null ? null : m.ToLocation.Code,
            m.Quantity, m.CountedQuantity, m.OnHandAfter, m.ToOnHandAfter, m.Actor, m.At, m.Reason, m.Reference);
}
