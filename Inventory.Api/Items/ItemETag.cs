using System.Globalization;
using Inventory.Api.Http;

namespace Inventory.Api.Items;

/// <summary>
/// An item's strong ETag, <c>"&lt;version&gt;-&lt;hash&gt;"</c>: its row version (PostgreSQL <c>xmin</c>), which
/// guards edits, and a hash of the whole representation, which stock movements change too.
/// </summary>
internal static class ItemETag
{
    // xmin alone stays put when stock moves; the hash covers onHand and the stock per location.
    // Why: see "Decision: ETags from the representation" in Inventory.Api/README.md.
    public static string Format(uint version, ItemResponse item) => string.Create(CultureInfo.InvariantCulture,
        $"\"{version}-{ConditionalGet.Hash(item, ApiJsonContext.Default.ItemResponse)}\"");

    /// <summary>
    /// RFC 9110 If-Match: <c>*</c> or a list of strong tags; weak tags never match. A tag matches when its version part
    /// is the item's: an edit writes only the item's own fields, which a stock movement since the read did not change.
    /// </summary>
    public static bool Matches(string ifMatch, uint version)
    {
        var current = version.ToString(CultureInfo.InvariantCulture);
        return ifMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Any(tag => tag == "*" || VersionOf(tag) == current);
    }

    /// <summary>The version part of a strong tag (all of it in the older, version-only form); null if weak.</summary>
    private static string? VersionOf(string tag)
    {
        if (tag.Length < 2 || tag[0] != '"' || tag[^1] != '"')
        {
            return null;
        }
        var opaque = tag[1..^1];
        var dash = opaque.IndexOf('-', StringComparison.Ordinal);
        return dash < 0 ? opaque : opaque[..dash];
    }
}
