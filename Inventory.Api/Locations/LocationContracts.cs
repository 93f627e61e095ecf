using System.ComponentModel.DataAnnotations;
using Inventory.Api.Data;
using Inventory.Api.Http;

namespace Inventory.Api.Locations;

public sealed class CreateLocationRequest
{
    [Required, NewCode]
    public string? Code { get; init; }

    [Required, StringLength(Limits.NameLength), PlainText]
    public string? Name { get; init; }
}

public sealed record LocationSummary(string Code, string Name, DateTimeOffset CreatedAt);

public sealed record ItemAtLocation(string Sku, string Name, long Quantity);

/// <summary>
/// A location and one page of the stock it holds, by SKU; pass <c>nextCursor</c> back as <c>cursor</c> for the next.
/// </summary>
public sealed record LocationResponse(string Code, string Name, DateTimeOffset CreatedAt,
    IReadOnlyList<ItemAtLocation> Stock, string? NextCursor);