using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Inventory.Api.Data;
using Inventory.Api.Http;
using Inventory.Api.Paging;

namespace Inventory.Api.Items;

/// <summary>
/// The editable fields of an item (its SKU never changes); omitted optional fields are cleared or defaulted.
/// </summary>
public class UpdateItemRequest
{
    [Required, StringLength(Limits.NameLength), PlainText]
    public string? Name { get; init; }

    [StringLength(Limits.DescriptionLength), PlainText]
    public string? Description { get; init; }

    [StringLength(Limits.CategoryLength), PlainText]
    public string? Category { get; init; }

    /// <summary>Defaults to <c>pcs</c>.</summary>
    [StringLength(Limits.UnitLength, MinimumLength = 1), PlainText]
    public string? Unit { get; init; }

    [Range(0, Limits.MaxQuantity)]
    public int? ReorderPoint { get; init; }
}

/// <summary>A new item: its SKU and the editable fields. Also the validation of each row of a CSV import.</summary>
public sealed class CreateItemRequest : UpdateItemRequest
{
    [Required, NewCode]
    public string? Sku { get; init; }
}

/// <summary>Filters and paging of <c>GET /api/items</c>.</summary>
public sealed class ItemListQuery
{
    /// <summary>Part of the SKU or name, case-insensitive.</summary>
    [StringLength(Limits.NameLength), PlainText]
    [FromQuery(Name = "search")]
    public string? Search { get; init; }

    [StringLength(Limits.CategoryLength), PlainText]
    [FromQuery(Name = "category")]
    public string? Category { get; init; }

    /// <summary>Only items whose on-hand total is at or below their reorder point (never one whose is 0).</summary>
    [FromQuery(Name = "lowStock")]
    public bool? LowStock { get; init; }

    [FromQuery(Name = "includeArchived")]
    public bool? IncludeArchived { get; init; }

    /// <summary><c>sku</c> (default) or <c>name</c>.</summary>
    [AllowedValues("sku", "name", null, ErrorMessage = "The sort must be sku or name.")]
    [FromQuery(Name = "sort")]
    public string? Sort { get; init; }

    [Range(1, PageQuery.MaxLimit)]
    [FromQuery(Name = "limit")]
    public int? Limit { get; init; }

    [StringLength(1024)]
    [FromQuery(Name = "cursor")]
    public string? Cursor { get; init; }
}

public sealed record StockAtLocation(string Location, long Quantity);

public sealed record ItemResponse(
    string Sku,
    string Name,
    string? Description,
    string? Category,
    string Unit,
    int ReorderPoint,
    bool Archived,
    long OnHand,
    IReadOnlyList<StockAtLocation> Stock,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record ItemSummary(
    string Sku,
    string Name,
    string? Category,
    string Unit,
    int ReorderPoint,
    bool Archived,
    long OnHand,
    DateTimeOffset UpdatedAt);

public sealed record ItemPage(IReadOnlyList<ItemSummary> Items, string? NextCursor);

/// <summary>
/// What a CSV import did: rows read, and how many items it created, updated or left as they were; rows of archived
/// items are counted as <c>archived</c> and left as they were (their SKUs, up to 100, in <c>archivedSkus</c>).
/// </summary>
public sealed record ImportSummary(int Rows, int Created, int Updated, int Unchanged, int Archived,
    IReadOnlyList<string> ArchivedSkus);

/// <summary>
/// One problem in an import file: its row (header = 1), the column if one is to blame, and what is wrong.
/// </summary>
public sealed record CsvRowError(int Row, string? Column, string Message);
