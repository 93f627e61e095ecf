using Inventory.Api.Data;
using Inventory.Api.Http;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Inventory.Api.Stock;

/// <summary>
/// The only code that changes stock. Every change of a <see cref="StockLevel"/> and the <see cref="StockMovement"/>
/// that records it happen in one statement or one transaction, so for every (item, location) the ledger sum equals
/// the quantity on hand; stock never goes below zero because the decrement itself is conditional
/// (<c>… AND quantity &gt;= @q</c>, or a row locked <c>FOR UPDATE</c> and checked).
/// </summary>
/// <remarks>
/// Locks: a command first takes <c>FOR KEY SHARE</c> on its item row (the lock a foreign key check takes anyway), so it
/// cannot interleave with archiving, which takes <c>FOR UPDATE</c> and then checks that nothing is on hand. A transfer
/// locks its two stock rows in location id order, so two opposite transfers cannot deadlock on them. A deadlock or
/// serialization failure that still happens is retried by <see cref="InTransactionAsync{T}"/>.
/// </remarks>
internal sealed partial class StockLedger(InventoryDbContext db, TimeProvider time, ILogger<StockLedger> logger)
{
    private const int MaxAttempts = 5;

    /// <summary>Runs <paramref name="work"/> in one READ COMMITTED transaction, again from scratch on a deadlock or serialization failure.</summary>
    public async Task<T> InTransactionAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
                var result = await work(ct);
                await transaction.CommitAsync(ct);
                return result;
            }
            catch (Exception ex) when (attempt < MaxAttempts && IsRetryable(ex))
            {
                db.ChangeTracker.Clear();
                var reason = ex.GetBaseException().Message;
                LogRetry(logger, attempt, reason);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 25) * attempt), time, ct);
            }
        }
    }

    public Task<LedgerResult> ReceiveAsync(StockChangeRequest request, string actor, CancellationToken ct) =>
        ChangeAtLocationAsync(MovementTypes.Receipt, request, actor, (target, quantity, at) => db.Database.SqlQuery<RecordedRow>($"""
            WITH changed AS (
                INSERT INTO stock_levels (item_id, location_id, quantity)
                VALUES ({target.ItemId}, {target.LocationId}, {quantity})
                ON CONFLICT (item_id, location_id) DO UPDATE SET quantity = stock_levels.quantity + EXCLUDED.quantity
                RETURNING quantity)
            INSERT INTO stock_movements (type, item_id, location_id, quantity, on_hand_after, actor, at, reason, reference)
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
        ChangeAtLocationAsync(MovementTypes.Issue, request, actor, (target, quantity, at) => db.Database.SqlQuery<RecordedRow>($"""
            WITH changed AS (
                UPDATE stock_levels SET quantity = quantity - {quantity}
                WHERE item_id = {target.ItemId} AND location_id = {target.LocationId} AND quantity >= {quantity}
                RETURNING quantity)
            INSERT INTO stock_movements (type, item_id, location_id, quantity, on_hand_after, actor, at, reason, reference)
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
            UPDATE stock_levels SET quantity = quantity + CASE WHEN location_id = {to} THEN {quantity} ELSE -{quantity} END
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
            UPDATE stock_levels SET quantity = {counted} WHERE item_id = {target.ItemId} AND location_id = {target.LocationId}
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
        return new LedgerResult.Recorded(new StockMovementResponse(movement.Id, movement.Type, target.Sku, target.LocationCode,
            null, null, movement.Quantity, counted, counted, null, actor, movement.At, movement.Reason, null));
    }

    /// <summary>Archives an item; refused while any location holds it. Null when archived (or already was).</summary>
    public async Task<LedgerResult.Refused?> ArchiveAsync(string sku, CancellationToken ct)
    {
        var items = await db.Database.SqlQuery<ArchiveRow>($"""
            SELECT id AS "ItemId", archived AS "Archived" FROM items WHERE sku_key = {Key(sku)} FOR UPDATE
            """).ToListAsync(ct);
        if (items.Count == 0)
        {
            return ItemNotFound(sku);
        }
        var item = items[0];
        if (item.Archived)
        {
            return null;
        }

        // Read after the FOR UPDATE lock: every movement that held the item's key-share lock has committed by now.
        var onHand = (await db.Database.SqlQuery<long>($"""
            SELECT COALESCE(SUM(quantity), 0)::bigint AS "Value" FROM stock_levels WHERE item_id = {item.ItemId}
            """).ToListAsync(ct)).Single();
        if (onHand > 0)
        {
            return new LedgerResult.Refused(Problems.StockOnHand,
                $"Item '{sku}' still has {onHand} on hand; issue, transfer or count it to zero before archiving.",
                new Dictionary<string, object?> { ["onHand"] = onHand });
        }
        await db.Database.ExecuteSqlAsync($"""
            UPDATE items SET archived = TRUE, updated_at = {time.DatabaseNow()} WHERE id = {item.ItemId}
            """, ct);
        return null;
    }

    /// <summary>Every (item, location) whose ledger sum differs from its quantity on hand; empty when the books balance.</summary>
    public async Task<IReadOnlyList<LedgerMismatch>> FindMismatchesAsync(CancellationToken ct) =>
        await db.Database.SqlQuery<LedgerMismatch>($"""
            WITH deltas AS (
                SELECT item_id, location_id,
                       CASE type WHEN {MovementTypes.Issue} THEN -quantity WHEN {MovementTypes.Transfer} THEN -quantity ELSE quantity END AS delta
                FROM stock_movements
                UNION ALL
                SELECT item_id, to_location_id, quantity FROM stock_movements WHERE type = {MovementTypes.Transfer}),
            sums AS (SELECT item_id, location_id, SUM(delta)::bigint AS total FROM deltas GROUP BY item_id, location_id)
            SELECT COALESCE(s.item_id, l.item_id) AS "ItemId", COALESCE(s.location_id, l.location_id) AS "LocationId",
                   COALESCE(s.quantity, 0) AS "OnHand", COALESCE(l.total, 0) AS "LedgerSum"
            FROM stock_levels s FULL JOIN sums l ON l.item_id = s.item_id AND l.location_id = s.location_id
            WHERE COALESCE(s.quantity, 0) <> COALESCE(l.total, 0)
            """).ToListAsync(ct);

    /// <summary>
    /// A receipt or an issue: <paramref name="record"/> changes the stock and appends the movement in one statement, and
    /// returns no row when the change was refused (an issue larger than the quantity on hand).
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
        return new LedgerResult.Recorded(new StockMovementResponse(recorded[0].Id, type, target.Sku, target.LocationCode,
            null, null, quantity, null, recorded[0].OnHandAfter, null, actor, at, request.Reason, request.Reference));
    }

    /// <summary>The lookup key of a SKU or location code (the schema's <c>lower(…)</c>; codes are ASCII).</summary>
    public static string Key(string code) => code.ToLowerInvariant();

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
            LEFT JOIN locations l ON l.code_key = {Key(location)}
            LEFT JOIN locations t ON t.code_key = {Key(toLocation ?? "")}
            WHERE i.sku_key = {Key(sku)}
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
            return (nothing, new LedgerResult.Refused(Problems.ItemArchived, $"Item '{row.Sku}' is archived; its stock can no longer change."));
        }
        return (new Target(row.ItemId, row.Sku, locationId, row.LocationCode!, row.ToLocationId, row.ToLocationCode), null);
    }

    private async Task EnsureStockRowAsync(long itemId, long locationId, CancellationToken ct) =>
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO stock_levels (item_id, location_id, quantity) VALUES ({itemId}, {locationId}, 0)
            ON CONFLICT (item_id, location_id) DO NOTHING
            """, ct);

    private async Task<long> QuantityAsync(long itemId, long locationId, CancellationToken ct) =>
        (await db.Database.SqlQuery<long>($"""
            SELECT COALESCE((SELECT quantity FROM stock_levels WHERE item_id = {itemId} AND location_id = {locationId}), 0) AS "Value"
            """).ToListAsync(ct)).Single();

    private async Task<StockMovement> AppendAsync(StockMovement movement, CancellationToken ct)
    {
        movement.At = time.DatabaseNow();
        db.StockMovements.Add(movement);
        await db.SaveChangesAsync(ct);
        return movement;
    }

    private static LedgerResult.Refused ItemNotFound(string sku) =>
        new(Problems.ItemNotFound, $"No item has SKU '{sku}'.");

    private static LedgerResult.Refused LocationNotFound(string code) =>
        new(Problems.LocationNotFound, $"No location has code '{code}'.");

    private static LedgerResult.Refused Insufficient(string sku, string? location, long available, long requested) =>
        new(Problems.InsufficientStock,
            $"Location '{location}' holds {available} of '{sku}', fewer than the {requested} requested.",
            new Dictionary<string, object?> { ["available"] = available, ["requested"] = requested });

    /// <summary>A nullable text parameter with its type stated, so PostgreSQL need not guess it from NULL.</summary>
    private static NpgsqlParameter Text(string? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static bool IsRetryable(Exception ex) =>
        ex.GetBaseException() is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure };

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Stock transaction attempt {Attempt} hit a lock conflict and is retried: {Reason}")]
    private static partial void LogRetry(ILogger logger, int attempt, string reason);

    private sealed record Target(long ItemId, string Sku, long LocationId, string LocationCode, long? ToLocationId, string? ToLocationCode);

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

    private sealed class ArchiveRow
    {
        public long ItemId { get; set; }
        public bool Archived { get; set; }
    }
}

public sealed record LedgerMismatch(long ItemId, long LocationId, long OnHand, long LedgerSum);
