using Inventory.Api.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Inventory.Api.Stock;

// The four movements: receipt, issue, transfer and count.
internal sealed partial class StockLedger
{
    public Task<LedgerResult> ReceiveAsync(StockChangeRequest request, string actor, CancellationToken ct) =>
        ChangeAtLocationAsync(MovementTypes.Receipt, request, actor, (target, quantity, at) =>
            db.Database.SqlQuery<RecordedRow>($"""
            WITH changed AS (
                INSERT INTO stock_levels (item_id, location_id, quantity)
                VALUES ({target.ItemId}, {target.LocationId}, {quantity})
                ON CONFLICT (item_id, location_id) DO UPDATE SET quantity = stock_levels.quantity + EXCLUDED.quantity
                RETURNING quantity)
            INSERT INTO stock_movements
                (type, item_id, location_id, quantity, on_hand_after, actor, at, reason, reference)
            SELECT {MovementTypes.Receipt}, {target.ItemId}, {target.LocationId}, {quantity}, changed.quantity,
                   {actor}, {at}, {Text(request.Reason)}, {Text(request.Reference)}
            FROM changed
            RETURNING id AS "Id", on_hand_after AS "OnHandAfter"
            """).ToListAsync(ct), ct);

    /// <remarks>
    /// One statement: the conditional decrement waits for the row lock, re-checks the new quantity, and the movement
    /// is only inserted when it succeeded. No oversell, and the hot path is a single round trip after the lookup.
    /// </remarks>
    public Task<LedgerResult> IssueAsync(StockChangeRequest request, string actor, CancellationToken ct) =>
        ChangeAtLocationAsync(MovementTypes.Issue, request, actor, (target, quantity, at) =>
            db.Database.SqlQuery<RecordedRow>($"""
            WITH changed AS (
                UPDATE stock_levels SET quantity = quantity - {quantity}
                WHERE item_id = {target.ItemId} AND location_id = {target.LocationId} AND quantity >= {quantity}
                RETURNING quantity)
            INSERT INTO stock_movements
                (type, item_id, location_id, quantity, on_hand_after, actor, at, reason, reference)
            SELECT {MovementTypes.Issue}, {target.ItemId}, {target.LocationId}, {quantity}, changed.quantity,
                   {actor}, {at}, {Text(request.Reason)}, {Text(request.Reference)}
            FROM changed
            RETURNING id AS "Id", on_hand_after AS "OnHandAfter"
            """).ToListAsync(ct), ct);

    public async Task<LedgerResult> TransferAsync(StockTransferRequest request, string actor, CancellationToken ct)
    {
        var (target, refused) = await LockTargetAsync(request.Sku!, request.FromLocation!, request.ToLocation!, ct);
        if (refused is not null)
        {
            return refused;
        }

        long quantity = request.Quantity!.Value;
        var from = target.LocationId;
        var to = target.ToLocationId!.Value;
        await EnsureStockRowAsync(target.ItemId, to, ct);
        var levels = await db.Database.SqlQuery<LevelRow>($"""
            SELECT location_id AS "LocationId", quantity AS "Quantity" FROM stock_levels
            WHERE item_id = {target.ItemId} AND location_id IN ({from}, {to})
            ORDER BY location_id
            FOR UPDATE
            """).ToListAsync(ct);
        var available = levels.SingleOrDefault(l => l.LocationId == from)?.Quantity ?? 0;
        var atDestination = levels.Single(l => l.LocationId == to).Quantity;
        if (available < quantity)
        {
            return Insufficient(target.Sku, target.LocationCode, available, quantity);
        }

        await db.Database.ExecuteSqlAsync($"""
            UPDATE stock_levels
            SET quantity = quantity + CASE WHEN location_id = {to} THEN {quantity} ELSE -{quantity} END
            WHERE item_id = {target.ItemId} AND location_id IN ({from}, {to})
            """, ct);
        var movement = await AppendAsync(new StockMovement
        {
            Type = MovementTypes.Transfer,
            ItemId = target.ItemId,
            LocationId = from,
            ToLocationId = to,
            Quantity = quantity,
            OnHandAfter = available - quantity,
            ToOnHandAfter = atDestination + quantity,
            Actor = actor,
            Reason = request.Reason,
        }, ct);
        return new LedgerResult.Recorded(new StockMovementResponse(movement.Id, movement.Type, target.Sku, null,
            target.LocationCode, target.ToLocationCode, quantity, null, movement.OnHandAfter, movement.ToOnHandAfter,
            actor, movement.At, movement.Reason, null));
    }

    public async Task<LedgerResult> CountAsync(StockCountRequest request, string actor, CancellationToken ct)
    {
        var (target, refused) = await LockTargetAsync(request.Sku!, request.Location!, null, ct);
        if (refused is not null)
        {
            return refused;
        }

        long counted = request.CountedQuantity!.Value;
        await EnsureStockRowAsync(target.ItemId, target.LocationId, ct);
        var before = (await db.Database.SqlQuery<long>($"""
            SELECT quantity AS "Value" FROM stock_levels
            WHERE item_id = {target.ItemId} AND location_id = {target.LocationId}
            FOR UPDATE
            """).ToListAsync(ct)).Single();
        await db.Database.ExecuteSqlAsync($"""
            UPDATE stock_levels SET quantity = {counted}
            WHERE item_id = {target.ItemId} AND location_id = {target.LocationId}
            """, ct);
        var movement = await AppendAsync(new StockMovement
        {
            Type = MovementTypes.Count,
            ItemId = target.ItemId,
            LocationId = target.LocationId,
            Quantity = counted - before,
            CountedQuantity = counted,
            OnHandAfter = counted,
            Actor = actor,
            Reason = request.Reason,
        }, ct);
        return new LedgerResult.Recorded(new StockMovementResponse(movement.Id, movement.Type, target.Sku,
            target.LocationCode, null, null, movement.Quantity, counted, counted, null, actor, movement.At,
            movement.Reason, null));
    }

    /// <summary>
    /// A receipt or an issue: <paramref name="record"/> changes the stock and appends the movement in one statement,
    /// and returns no row when the change was refused (an issue larger than the quantity on hand).
    /// </summary>
    private async Task<LedgerResult> ChangeAtLocationAsync(string type, StockChangeRequest request, string actor,
        Func<Target, long, DateTimeOffset, Task<List<RecordedRow>>> record, CancellationToken ct)
    {
        var (target, refused) = await LockTargetAsync(request.Sku!, request.Location!, null, ct);
        if (refused is not null)
        {
            return refused;
        }

        long quantity = request.Quantity!.Value;
        var at = time.DatabaseNow();
        var recorded = await record(target, quantity, at);
        if (recorded.Count == 0)
        {
            var available = await QuantityAsync(target.ItemId, target.LocationId, ct);
            return Insufficient(target.Sku, target.LocationCode, available, quantity);
        }
        return new LedgerResult.Recorded(new StockMovementResponse(recorded[0].Id, type, target.Sku,
            target.LocationCode, null, null, quantity, null, recorded[0].OnHandAfter, null, actor, at, request.Reason,
            request.Reference));
    }

    private async Task EnsureStockRowAsync(long itemId, long locationId, CancellationToken ct) =>
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO stock_levels (item_id, location_id, quantity) VALUES ({itemId}, {locationId}, 0)
            ON CONFLICT (item_id, location_id) DO NOTHING
            """, ct);

    private async Task<long> QuantityAsync(long itemId, long locationId, CancellationToken ct) =>
        (await db.Database.SqlQuery<long>($"""
            SELECT COALESCE(
                (SELECT quantity FROM stock_levels WHERE item_id = {itemId} AND location_id = {locationId}), 0)
                AS "Value"
            """).ToListAsync(ct)).Single();

    private async Task<StockMovement> AppendAsync(StockMovement movement, CancellationToken ct)
    {
        movement.At = time.DatabaseNow();
        db.StockMovements.Add(movement);
        await db.SaveChangesAsync(ct);
        return movement;
    }

    /// <summary>A nullable text parameter with its type stated, so PostgreSQL need not guess it from NULL.</summary>
    private static NpgsqlParameter Text(string? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private sealed class RecordedRow
    {
        public long Id { get; set; }
        public long OnHandAfter { get; set; }
    }

    private sealed class LevelRow
    {
        public long LocationId { get; set; }
        public long Quantity { get; set; }
    }
}