using System.ComponentModel.DataAnnotations;
using System.Text;

namespace Inventory.Api.Http;

/// <summary>
/// Text a person can read and PostgreSQL can store: no control characters (NUL is refused by PostgreSQL) and no
/// lone UTF-16 surrogates (not encodable as UTF-8). Any other Unicode, emoji included, is welcome.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class PlainTextAttribute : ValidationAttribute
{
    public PlainTextAttribute() : base("The {0} field must not contain control characters or broken Unicode.")
    {
    }

    public override bool IsValid(object? value) => value is not string text || IsPlain(text);

    public static bool IsPlain(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(text, out var rune, out var consumed) != System.Buffers.OperationStatus.Done
                || Rune.IsControl(rune))
            {
                return false;
            }
            text = text[consumed..];
        }
        return true;
    }
}
