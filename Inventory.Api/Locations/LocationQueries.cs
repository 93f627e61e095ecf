using Inventory.Api.Data;
using Inventory.Api.Paging;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Locations;

/// <summary>Reading and creating locations, for the API and the portal alike.</summary>
internal static class LocationQueries
{
    private const string StockCursorScope = "location-stock";

    /// <summary>Every location, by code ignoring case.</summary>
    public static Task<List<LocationSummary>> ListAsync(InventoryDbContext db, CancellationToken ct) =>
        db.Locations.AsNoTracking().OrderBy(l => l.CodeKey)
            .Select(l => new LocationSummary(l.Code, l.Name, l.CreatedAt)).ToListAsync(ct);

    /// <summary>
    /// The location with a page of the stock it holds, by SKU; null when no location has the code. False in
    /// <c>CursorValid</c> (and no location) when the cursor is not one this listing issued.
    /// </summary>
    public static async Task<(bool CursorValid, LocationResponse? Location)> FindAsync(InventoryDbContext db,
        string code, string? cursor, int limit, CancellationToken ct)
    {
        if (!KeysetCursor.TryDecode(cursor, StockCursorScope, out var after))
        {
            return (false, null);
        }
        var key = CodeKey.Of(code);
        var location = await db.Locations.AsNoTracking().Where(l => l.CodeKey == key)
            .Select(l => new { l.Id, l.Code, l.Name, l.CreatedAt }).SingleOrDefaultAsync(ct);
        if (location is null)
        {
            return (true, null);
        }

        var held = db.StockLevels.AsNoTracking().Where(s => s.LocationId == location.Id && s.Quantity > 0);
        if (after is not null)
        {
            // Why: see "Decision: keyset paging with a row comparison" in Inventory.Api/README.md.
            held = held.Where(s => EF.Functions.GreaterThan(
                ValueTuple.Create(s.Item.SkuKey, s.ItemId), ValueTuple.Create(after.Key, after.Id)));
        }
        var rows = await held.OrderBy(s => s.Item.SkuKey).ThenBy(s => s.ItemId).Take(limit + 1)
            .Select(s => new { s.Item.SkuKey, s.ItemId, Row = new ItemAtLocation(s.Item.Sku, s.Item.Name, s.Quantity) })
            .ToListAsync(ct);
        var next = rows.Count > limit
            ? KeysetCursor.Encode(StockCursorScope, rows[limit - 1].SkuKey, rows[limit - 1].ItemId)
            : null;
        return (true, new LocationResponse(location.Code, location.Name, location.CreatedAt,
            rows.Take(limit).Select(r => r.Row).ToList(), next));
    }

    /// <summary>The new location; null when its code is taken (codes are unique regardless of case).</summary>
    public static async Task<LocationSummary?> CreateAsync(InventoryDbContext db, TimeProvider time,
        CreateLocationRequest request, CancellationToken ct)
    {
        var location = new Location { Code = request.Code!, Name = request.Name!, CreatedAt = time.DatabaseNow() };
        db.Locations.Add(location);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (PostgresErrors.IsUniqueViolation(ex))
        {
            db.ChangeTracker.Clear();
            return null;
        }
        return new LocationSummary(location.Code, location.Name, location.CreatedAt);
    }
}
