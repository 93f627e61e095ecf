using System.Buffers.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Inventory.Api.Data;
using Inventory.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Inventory.Api.Paging;

/// <summary>
/// Opaque keyset cursors: base64url of a small JSON position (listing, last sort key, last id). The scope ties a cursor
/// to the listing and sort order that issued it, so a cursor pasted elsewhere is refused instead of skipping rows.
/// </summary>
/// <remarks>
/// A cursor comes back from the client, so every field is checked before any reaches the database: it must be exactly
/// the text <see cref="Encode"/> writes for its position (no extra or repeated fields, no other spelling), the id a
/// row id, and the key what that listing sorts by. Not signed: a cursor grants nothing — any position it can name is
/// one the same key may page to — and a signing key would have to be shared by both processes of a deploy.
/// </remarks>
public static partial class KeysetCursor
{
    /// <summary>A key of a listing sorted by SKU or code: the lower-case lookup key (<see cref="CodeKey"/>).</summary>
    public static readonly Func<string, bool> CodeKeys = key => key == CodeKey.Of(key) && CodePattern().IsMatch(key);

    /// <summary>A key of a listing sorted by name: a name as an item may have.</summary>
    public static readonly Func<string, bool> NameKeys = key =>
        key.Length is > 0 and <= Limits.NameLength && PlainTextAttribute.IsPlain(key);

    /// <summary>A listing that pages by id alone: the key is empty.</summary>
    public static readonly Func<string, bool> NoKeys = key => key.Length == 0;

    /// <summary>Any key a listing could sort by: plain text no longer than a name, or none.</summary>
    public static readonly Func<string, bool> PlainKeys = key =>
        key.Length <= Limits.NameLength && PlainTextAttribute.IsPlain(key);

    private static readonly JsonSerializerOptions Strict = new()
    {
        AllowDuplicateProperties = false,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public static string Encode(string scope, string key, long id) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new KeysetPosition(scope, key, id)));

    /// <summary>
    /// False when <paramref name="cursor"/> is not one this listing issued; null position for the first page. The key
    /// is checked as text any listing could sort by; pass the listing's own rule where it has one.
    /// </summary>
    public static bool TryDecode(string? cursor, string scope, out KeysetPosition? position) =>
        TryDecode(cursor, scope, PlainKeys, out position);

    /// <inheritdoc cref="TryDecode(string?, string, out KeysetPosition?)"/>
    public static bool TryDecode(string? cursor, string scope, Func<string, bool> isValidKey,
        out KeysetPosition? position)
    {
        position = null;
        if (string.IsNullOrEmpty(cursor))
        {
            return true;
        }
        KeysetPosition? decoded;
        try
        {
            decoded = JsonSerializer.Deserialize<KeysetPosition>(Base64Url.DecodeFromChars(cursor), Strict);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException)
        {
            return false;
        }
        if (decoded is null || decoded.Scope != scope || decoded.Key is null || decoded.Id <= 0
            || !StorableText.IsStorable(decoded.Key) || !isValidKey(decoded.Key)
            || Encode(decoded.Scope, decoded.Key, decoded.Id) != cursor)
        {
            return false;
        }
        position = decoded;
        return true;
    }

    public static ValidationProblem Invalid() =>
        Problems.Invalid("cursor", "The cursor is not one this listing issued; start again without a cursor.");

    [GeneratedRegex(Limits.CodePattern, RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex CodePattern();
}
