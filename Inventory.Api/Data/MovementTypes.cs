namespace Inventory.Api.Data;

/// <summary>The values of <see cref="StockMovement.Type"/>, as stored and as the API shows them.</summary>
public static class MovementTypes
{
    public const string Receipt = "receipt";
    public const string Issue = "issue";
    public const string Transfer = "transfer";
    public const string Count = "count";
}