using System.Globalization;
using Inventory.Api.Data;
using Inventory.Api.Stock;

namespace Inventory.Api.Portal.Pages.Shared;

/// <summary>A ledger line in words, for tables and confirmations.</summary>
internal static class MovementText
{
    public static string What(StockMovementResponse m) => m.Type switch
    {
        MovementTypes.Receipt => Invariant($"Received {m.Quantity}"),
        MovementTypes.Issue => Invariant($"Issued {m.Quantity}"),
        MovementTypes.Transfer => Invariant($"Moved {m.Quantity}"),
        MovementTypes.Count => Invariant($"Counted {m.CountedQuantity} ({m.Quantity:+0;-0;±0})"),
        _ => m.Type,
    };

    public static string Where(StockMovementResponse m) =>
        m.ToLocation is null ? m.Location ?? "" : $"{m.FromLocation} → {m.ToLocation}";

    public static string OnHandAfter(StockMovementResponse m) => m.ToLocation is null
        ? Invariant($"{m.OnHandAfter} at {m.Location}")
        : Invariant($"{m.OnHandAfter} at {m.FromLocation}, {m.ToOnHandAfter} at {m.ToLocation}");

    public static string Why(StockMovementResponse m) =>
        string.Join(" · ", new[] { m.Reason, m.Reference is null ? null : $"ref. {m.Reference}" }
            .Where(t => !string.IsNullOrEmpty(t)));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
