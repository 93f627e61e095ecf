using System.Buffers.Text;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using System.Text.Json;
using System.Text.Json.Serialization;
using Inventory.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Inventory.Api.Paging;

/// <summary><c>limit</c> (1–200, default 50) and the opaque <c>cursor</c> a previous page returned as <c>nextCursor</c>.</summary>
public sealed class PageQuery
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    [Range(1, MaxLimit)]
    [FromQuery(Name = "limit")]
    public int? Limit { get; init; }

    [StringLength(1024)]
    [FromQuery(Name = "cursor")]
    public string? Cursor { get; init; }
}

/// <summary>Where the next page starts: after the row with this sort key and id.</summary>
public sealed record KeysetPosition(
    [property: JsonPropertyName("s")] string Scope,
    [property: JsonPropertyName("k")] string Key,
    [property: JsonPropertyName("i")] long Id);

/// <summary>
/// Opaque keyset cursors: base64url of a small JSON position (listing, last sort key, last id). The scope ties a cursor
/// to the listing and sort order that issued it, so a cursor pasted elsewhere is refused instead of skipping rows.
/// </summary>
public static class KeysetCursor
{
    public static string Encode(string scope, string key, long id) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new KeysetPosition(scope, key, id)));

    /// <summary>False when <paramref name="cursor"/> is not one this listing issued; null position for the first page.</summary>
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
