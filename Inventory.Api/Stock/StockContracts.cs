using System.ComponentModel.DataAnnotations;
using Inventory.Api.Data;
using Inventory.Api.Http;

namespace Inventory.Api.Stock;

/// <summary>A receipt or an issue: <paramref name="Quantity"/> units of an item into or out of one location.</summary>
public sealed class StockChangeRequest
{
    [Required, Code]
    public string? Sku { get; init; }

    [Required, Code]
    public string? Location { get; init; }

    [Required, Range(1, Limits.MaxQuantity)]
    public int? Quantity { get; init; }

    [StringLength(Limits.ReasonLength), PlainText]
    public string? Reason { get; init; }

    [StringLength(Limits.ReferenceLength), PlainText]
    public string? Reference { get; init; }
}

/// <summary>Moves units of an item from one location to another, atomically.</summary>
public sealed class StockTransferRequest : IValidatableObject
{
    [Required, Code]
    public string? Sku { get; init; }

    [Required, Code]
    public string? FromLocation { get; init; }

    [Required, Code]
    public string? ToLocation { get; init; }

    [Required, Range(1, Limits.MaxQuantity)]
    public int? Quantity { get; init; }

    [StringLength(Limits.ReasonLength), PlainText]
    public string? Reason { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (FromLocation is not null && string.Equals(FromLocation, ToLocation, StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult(
                "The toLocation must differ from the fromLocation.", [nameof(ToLocation)]);
        }
    }
}

/// <summary>
/// A stock count: the location holds <see cref="CountedQuantity"/>; the difference is recorded as an adjustment.
/// </summary>
public sealed class StockCountRequest
{
    [Required, Code]
    public string? Sku { get; init; }

    [Required, Code]
    public string? Location { get; init; }

    [Required, Range(0, Limits.MaxQuantity)]
    public int? CountedQuantity { get; init; }

    [Required, StringLength(Limits.ReasonLength), PlainText]
    public string? Reason { get; init; }
}

/// <summary>
/// One ledger line. <c>location</c> is set for receipts, issues and counts; <c>fromLocation</c>/<c>toLocation</c> for
/// transfers. <c>quantity</c> is the units moved (for a count: the signed adjustment). <c>onHandAfter</c> is the
/// quantity at <c>location</c> (a transfer's <c>fromLocation</c>) right after it; <c>toOnHandAfter</c> at a transfer's
/// destination.
/// </summary>
public sealed record StockMovementResponse(
    long Id,
    string Type,
    string Sku,
    string? Location,
    string? FromLocation,
    string? ToLocation,
    long Quantity,
    long? CountedQuantity,
    long OnHandAfter,
    long? ToOnHandAfter,
    string Actor,
    DateTimeOffset At,
    string? Reason,
    string? Reference);

public sealed record StockMovementPage(IReadOnlyList<StockMovementResponse> Items, string? NextCursor);
