using Inventory.Api.Data;
using Inventory.Api.Http;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Stock;

// What a movement acts on: its item and locations, looked up and locked, or why it is refused.
internal sealed partial class StockLedger
{
    private async Task<(Target Target, LedgerResult.Refused? Refused)> LockTargetAsync(
        string sku, string location, string? toLocation, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Stock changes run inside StockLedger.InTransactionAsync.");
        }

        var rows = await db.Database.SqlQuery<TargetRow>($"""
            SELECT i.id AS "ItemId", i.sku AS "Sku", i.archived AS "Archived",
                   l.id AS "LocationId", l.code AS "LocationCode", t.id AS "ToLocationId", t.code AS "ToLocationCode"
            FROM items i
            LEFT JOIN locations l ON l.code_key = {CodeKey.Of(location)}
            LEFT JOIN locations t ON t.code_key = {CodeKey.Of(toLocation ?? "")}
            WHERE i.sku_key = {CodeKey.Of(sku)}
            FOR KEY SHARE OF i
            """).ToListAsync(ct);
        var nothing = new Target(0, sku, 0, location, null, null);
        if (rows.Count == 0)
        {
            return (nothing, ItemNotFound(sku));
        }

        var row = rows[0];
        if (row.LocationId is not { } locationId)
        {
            return (nothing, LocationNotFound(location));
        }
        if (toLocation is not null && row.ToLocationId is null)
        {
            return (nothing, LocationNotFound(toLocation));
        }
        if (row.Archived)
        {
            return (nothing, new LedgerResult.Refused(Problems.ItemArchived,
                $"Item '{row.Sku}' is archived; its stock can no longer change."));
        }
        var target = new Target(row.ItemId, row.Sku, locationId, row.LocationCode!, row.ToLocationId,
            row.ToLocationCode);
        return (target, null);
    }

    private static LedgerResult.Refused ItemNotFound(string sku) =>
        new(Problems.ItemNotFound, $"No item has SKU '{sku}'.");

    private static LedgerResult.Refused LocationNotFound(string code) =>
        new(Problems.LocationNotFound, $"No location has code '{code}'.");

    private static LedgerResult.Refused Insufficient(string sku, string? location, long available, long requested) =>
        new(Problems.InsufficientStock,
            $"Location '{location}' holds {available} of '{sku}', fewer than the {requested} requested.",
            new Dictionary<string, object?> { ["available"] = available, ["requested"] = requested });

    private sealed record Target(long ItemId, string Sku, long LocationId, string LocationCode, long? ToLocationId,
        string? ToLocationCode);

    private sealed class TargetRow
    {
        public long ItemId { get; set; }
        public string Sku { get; set; } = "";
        public bool Archived { get; set; }
        public long? LocationId { get; set; }
        public string? LocationCode { get; set; }
        public long? ToLocationId { get; set; }
        public string? ToLocationCode { get; set; }
    }
}