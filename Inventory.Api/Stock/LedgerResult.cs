using Inventory.Api.Http;

namespace Inventory.Api.Stock;

/// <summary>What the ledger did with a command: recorded a movement, or refused it for a stated reason.</summary>
public abstract record LedgerResult
{
    public sealed record Recorded(StockMovementResponse Movement) : LedgerResult;

    public sealed record Refused(ProblemKind Kind, string Detail, IDictionary<string, object?>? Extensions = null)
        : LedgerResult;
}
