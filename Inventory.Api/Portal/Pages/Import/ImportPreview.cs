using Inventory.Api.Items;

namespace Inventory.Api.Portal.Pages.Import;

/// <summary>
/// What the import page shows of a parsed file: each data row with its problems, and the problems of no row (the
/// header, a file that is not UTF-8 or not CSV). Rows are numbered as the parser numbers them: the header is row 1.
/// </summary>
internal sealed record ImportPreview(IReadOnlyList<PreviewRow> Rows, IReadOnlyList<CsvRowError> FileProblems,
    int ProblemCount, bool TooManyRows)
{
    /// <summary>Rows listed on the page at most; the counts say how many there were in all.</summary>
    public const int MaxListedRows = 100;

    public bool CanImport => ProblemCount == 0 && !TooManyRows;

    public static ImportPreview Of(ParsedCsv parsed)
    {
        var byRow = parsed.Errors.ToLookup(e => e.Row);
        var rows = parsed.Rows.Select((row, i) => new PreviewRow(i + 2, row, [.. byRow[i + 2]])).ToList();
        var rowNumbers = rows.Select(r => r.Number).ToHashSet();
        var fileProblems = parsed.Errors.Where(e => !rowNumbers.Contains(e.Row)).ToList();
        return new ImportPreview(rows, fileProblems, parsed.Errors.Count, parsed.TooManyRows);
    }

    /// <summary>The rows to list: those with problems when there are any, else the first rows of the file.</summary>
    public IReadOnlyList<PreviewRow> Listed =>
        [.. (ProblemCount > 0 ? Rows.Where(r => r.Problems.Count > 0) : Rows).Take(MaxListedRows)];
}

/// <summary>One data row of an import file and its problems.</summary>
internal sealed record PreviewRow(int Number, CreateItemRequest Item, IReadOnlyList<CsvRowError> Problems);
