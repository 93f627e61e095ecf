namespace Inventory.Api.Stock;

/// <summary>An (item, location) whose ledger sum differs from its quantity on hand.</summary>
public sealed record LedgerMismatch(long ItemId, long LocationId, long OnHand, long LedgerSum);