using Inventory.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Stock;

/// <summary>
/// The only code that changes stock. Every change of a <see cref="StockLevel"/> and the <see cref="StockMovement"/>
/// that records it happen in one statement or one transaction, so for every (item, location) the ledger sum equals
/// the quantity on hand; stock never goes below zero because the decrement itself is conditional
/// (<c>… AND quantity &gt;= @q</c>, or a row locked <c>FOR UPDATE</c> and checked).
/// </summary>
/// <remarks>
/// Locks: a command first takes <c>FOR KEY SHARE</c> on its item row (the lock a foreign key check takes anyway), so
/// it cannot interleave with archiving, which takes <c>FOR UPDATE</c> and then checks that nothing is on hand.
/// A transfer locks its two stock rows in location id order, so two opposite transfers cannot deadlock on them.
/// A deadlock or serialization failure that still happens is retried by <see cref="InTransactionAsync{T}"/>.
/// </remarks>
internal sealed partial class StockLedger(InventoryDbContext db, TimeProvider time, ILogger<StockLedger> logger)
{
    private const int MaxAttempts = 5;

    /// <summary>
    /// Runs <paramref name="work"/> in one READ COMMITTED transaction, again from scratch on a deadlock or
    /// serialization failure.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var transaction =
                    await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
                var result = await work(ct);
                await transaction.CommitAsync(ct);
                return result;
            }
            catch (Exception ex) when (attempt < MaxAttempts && PostgresErrors.IsRetryable(ex))
            {
                db.ChangeTracker.Clear();
                var reason = ex.GetBaseException().Message;
                LogRetry(logger, attempt, reason);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 25) * attempt), time, ct);
            }
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information,
        Message = "Stock transaction attempt {Attempt} hit a lock conflict and is retried: {Reason}")]
    private static partial void LogRetry(ILogger logger, int attempt, string reason);
}