using System.Collections.Frozen;

namespace Inventory.Api.Data;

/// <summary>
/// Which SKUs and location codes a new item or location may take: those the routes can address. A code is one URL
/// path segment (<c>/api/items/{sku}</c>, <c>/api/locations/{code}</c>), so it must be 1–64 of
/// <c>A-Z a-z 0-9 - _ .</c> (<see cref="Limits.CodePattern"/>: nothing a path must escape or that ends a path — no
/// <c>/ % ? #</c>, spaces or other characters), not a dot segment that path normalisation removes, and not a word
/// another route owns at that place. Create and CSV import both check it (<c>[NewCode]</c>).
/// </summary>
public static class AddressableCode
{
    /// <summary>
    /// Every GET of items and locations checked: <c>/api/items/export</c> is a route of its own, and
    /// <c>/api/items/import</c> too (POST); routes compare case-insensitively. AddressableCodeTests fails when a new
    /// route puts a word beside <c>{sku}</c> or <c>{code}</c> that is missing here.
    /// </summary>
    public static readonly FrozenSet<string> Reserved =
        new[] { ".", "..", "export", "import" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public const string Rule = "1–64 characters of A-Z, a-z, 0-9, '-', '_' or '.', and none of '.', '..', "
        + "'export' or 'import' (the routes cannot address those)";

    public static bool IsReserved(string code) => Reserved.Contains(code);
}
