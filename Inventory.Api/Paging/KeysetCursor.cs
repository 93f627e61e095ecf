using System.Buffers.Text;
using System.Text.Json;
using Inventory.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Inventory.Api.Paging;

/// <summary>
/// Opaque keyset cursors: base64url of a small JSON position (listing, last sort key, last id). The scope ties a cursor
/// to the listing and sort order that issued it, so a cursor pasted elsewhere is refused instead of skipping rows.
/// </summary>
public static class KeysetCursor
{
    public static string Encode(string scope, string key, long id) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new KeysetPosition(scope, key, id)));

    /// <summary>
    /// False when <paramref name="cursor"/> is not one this listing issued; null position for the first page.
    /// </summary>
    public static bool TryDecode(string? cursor, string scope, out KeysetPosition? position)
    {
        position = null;
        if (string.IsNullOrEmpty(cursor))
        {
            return true;
        }
        try
        {
            position = JsonSerializer.Deserialize<KeysetPosition>(Base64Url.DecodeFromChars(cursor));
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return false;
        }
        return position is not null && position.Scope == scope && position.Key is not null;
    }

    public static ValidationProblem Invalid() =>
        Problems.Invalid("cursor", "The cursor is not one this listing issued; start again without a cursor.");
}