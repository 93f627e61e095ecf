using System.Buffers;
using System.Text;

namespace Inventory.Api.Http;

/// <summary>
/// Text PostgreSQL can store: no U+0000 (a <c>text</c> value cannot hold it) and no lone UTF-16 surrogate (it has no
/// UTF-8 form). The one rule every client input passes at the boundary: URL and headers
/// (<see cref="RequestTextCheck"/>), JSON strings (<see cref="StorableJsonText"/>), CSV cells, cursors.
/// </summary>
public static class StorableText
{
    public const string Rule =
        "must not contain U+0000 or broken Unicode (a lone surrogate, or bytes that are not UTF-8)";

    public static bool IsStorable(ReadOnlySpan<char> text) =>
        !text.Contains('\0') && (text.IndexOfAnyInRange('\uD800', '\uDFFF') < 0 || IsWellFormed(text));

    private static bool IsWellFormed(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(text, out _, out var consumed) != OperationStatus.Done)
            {
                return false;
            }
            text = text[consumed..];
        }
        return true;
    }

    /// <summary>The message of a 400 that names <paramref name="field"/>.</summary>
    public static string Refusal(string field) => $"The {field} field {Rule}.";
}
