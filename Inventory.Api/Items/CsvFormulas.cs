using CsvHelper;

namespace Inventory.Api.Items;

/// <summary>
/// CSV injection: a spreadsheet runs a cell that starts with <c>= + - @</c>, tab or CR as a formula. The export puts a
/// <c>'</c> in front of such a text cell, as OWASP recommends (CsvHelper's <see cref="CsvInjection.Escape"/>; the
/// spreadsheet then shows the text as it is), and the import takes exactly that one <c>'</c> off again, so
/// export → import is a round trip. A text that already starts with quotes and then one of those characters
/// (<c>'=x</c>) gets one more quote on export, or the import would take its own quote away.
/// </summary>
internal static class CsvFormulas
{
    private const char Escape = '\'';
    private const string Starters = "=+-@\t\r";

    /// <summary>The export's options: every text cell that starts like a formula is escaped by CsvHelper.</summary>
    public static CsvWriterOptions Neutralise(CsvWriterOptions options) => options with
    {
        Injection = CsvInjection.Escape, InjectionCharacters = Starters, InjectionEscape = Escape,
    };

    /// <summary>A text cell for the export: escaped once more when it already looks escaped.</summary>
    public static string? ForExport(string? text) => text is not null && LooksEscaped(text) ? Escape + text : text;

    /// <summary>A text cell of an import: without the one quote the export put in front of it, if it has one.</summary>
    public static string FromImport(string text) => LooksEscaped(text) ? text[1..] : text;

    /// <summary>One or more quotes, then a character that starts a formula.</summary>
    private static bool LooksEscaped(string text)
    {
        var quotes = text.AsSpan().IndexOfAnyExcept(Escape);
        return quotes > 0 && Starters.Contains(text[quotes], StringComparison.Ordinal);
    }
}
