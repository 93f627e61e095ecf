using System.Globalization;

namespace Inventory.Api.Items;

/// <summary>An item's strong ETag: its row version (PostgreSQL <c>xmin</c>) in quotes.</summary>
internal static class ItemETag
{
    public static string Format(uint version) => string.Create(CultureInfo.InvariantCulture, $"\"{version}\"");

    /// <summary>RFC 9110 If-Match: <c>*</c> or a list of strong tags; weak tags never match.</summary>
    public static bool Matches(string ifMatch, uint version)
    {
        var current = Format(version);
        return ifMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Any(tag => tag == "*" || tag == current);
    }
}
