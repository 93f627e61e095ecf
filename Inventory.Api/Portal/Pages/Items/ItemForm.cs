using Inventory.Api.Items;

namespace Inventory.Api.Portal.Pages.Items;

/// <summary>
/// What the new-item and edit forms post; checked by the API's <see cref="CreateItemRequest"/> and
/// <see cref="UpdateItemRequest"/>. <see cref="ETag"/> is the item's ETag as the editor read it: the edit is refused
/// when the item changed since.
/// </summary>
public sealed class ItemForm
{
    public string? Sku { get; set; }

    public string? Name { get; set; }

    public string? Description { get; set; }

    public string? Category { get; set; }

    public string? Unit { get; set; }

    public int? ReorderPoint { get; set; }

    public string? ETag { get; set; }

    public static ItemForm From(ItemResponse item, string etag) => new()
    {
        Sku = item.Sku,
        Name = item.Name,
        Description = item.Description,
        Category = item.Category,
        Unit = item.Unit,
        ReorderPoint = item.ReorderPoint,
        ETag = etag,
    };

    /// <summary>The edit this form asks for; empty optional fields are left out (cleared or defaulted).</summary>
    public UpdateItemRequest ToUpdate() => new()
    {
        Name = Name,
        Description = Blank(Description),
        Category = Blank(Category),
        Unit = Blank(Unit),
        ReorderPoint = ReorderPoint,
    };

    public CreateItemRequest ToCreate() => new()
    {
        Sku = Sku,
        Name = Name,
        Description = Blank(Description),
        Category = Blank(Category),
        Unit = Blank(Unit),
        ReorderPoint = ReorderPoint,
    };

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
