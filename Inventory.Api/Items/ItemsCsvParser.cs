using System.Buffers;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using CsvHelper;
using Inventory.Api.Http;

namespace Inventory.Api.Items;

/// <summary>
/// Reads an import file into item rows and every problem found in it, with no HTTP and no database: the header names
/// the columns, each row is validated with the rules of <see cref="CreateItemRequest"/>, and rows are numbered as a
/// spreadsheet numbers them (the header is row 1). The file must be UTF-8, every cell <see cref="StorableText"/>; the
/// quote the export puts before a formula-like cell is taken off (<see cref="CsvFormulas"/>).
/// </summary>
internal static class ItemsCsvParser
{
    public const int MaxImportRows = 10_000;

    public static readonly string[] ImportColumns = ["sku", "name", "category", "unit", "reorderPoint"];
    private static readonly string[] RequiredColumns = ["sku", "name"];

    public static ParsedCsv Parse(byte[] body)
    {
        var rows = new List<CreateItemRequest>();
        var errors = new List<CsvRowError>();
        if (FindBrokenUtf8(body) is { } broken)
        {
            errors.Add(broken);
            return new ParsedCsv(rows, errors, false);
        }
        var options = CsvReaderOptions.Default with
        {
            Separator = ',',
            TrimWhitespace = true,
            MalformedData = CsvMalformedDataHandling.Throw,
        };
        using var reader = CsvReader.Create(body, options);
        try
        {
            var columns = MapColumns(reader.Headers, errors);
            if (errors.Count > 0)
            {
                return new ParsedCsv(rows, errors, false);
            }

            var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            while (reader.Read())
            {
                if (rows.Count == MaxImportRows)
                {
                    return new ParsedCsv(rows, errors, TooManyRows: true);
                }
                // As a spreadsheet numbers them: the header is row 1.
                var line = (int)reader.RowNumber + 1;
                var record = new string[reader.FieldCount];
                var storable = true;
                for (var i = 0; i < record.Length; i++)
                {
                    record[i] = CsvFormulas.FromImport(reader.GetString(i));
                    if (!StorableText.IsStorable(record[i]))
                    {
                        var column = i < reader.Headers.Count ? reader.Headers[i].Trim() : null;
                        errors.Add(new CsvRowError(line, column, StorableText.Refusal(column ?? "cell")));
                        storable = false;
                    }
                }
                // A row with a cell PostgreSQL cannot store is not checked further: that cell is its problem.
                var row = storable ? ReadRow(record, columns, line, errors) : new CreateItemRequest();
                if (row.Sku is not null && !seen.TryAdd(row.Sku, line))
                {
                    errors.Add(new CsvRowError(line, "sku",
                        $"SKU '{row.Sku}' already appears in row {seen[row.Sku]}."));
                }
                rows.Add(row);
            }
        }
        catch (CsvFormatException ex)
        {
            errors.Add(new CsvRowError((int)Math.Max(1, ex.RecordNumber), null,
                $"The row is not valid CSV: {ex.Message}"));
        }
        if (rows.Count == 0 && errors.Count == 0)
        {
            errors.Add(new CsvRowError(2, null, "The file has no rows below its header."));
        }
        return new ParsedCsv(rows, errors, false);
    }

    /// <summary>
    /// The first place where <paramref name="body"/> is not UTF-8, as a problem of its line; null when it all is.
    /// </summary>
    private static CsvRowError? FindBrokenUtf8(byte[] body)
    {
        if (Utf8.IsValid(body))
        {
            return null;
        }
        var offset = 0;
        while (Rune.DecodeFromUtf8(body.AsSpan(offset), out _, out var consumed) == OperationStatus.Done)
        {
            offset += consumed;
        }
        var line = body.AsSpan(0, offset).Count((byte)'\n') + 1;
        return new CsvRowError(line, null,
            $"Byte {offset + 1} (line {line}) is not UTF-8; save the file as UTF-8 and send it again.");
    }

    private static Dictionary<string, int> MapColumns(IReadOnlyList<string> header, List<CsvRowError> errors)
    {
        var allColumns = string.Join(',', ImportColumns);
        if (header.Count == 0)
        {
            errors.Add(new CsvRowError(1, null,
                $"The file is empty; the first row must name the columns: {allColumns}."));
            return [];
        }
        var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < header.Count; i++)
        {
            var name = header[i].Trim();
            if (name.Equals("onHand", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (!ImportColumns.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(new CsvRowError(1, name, $"Unknown column '{name}'; the columns are {allColumns}."));
            }
            else if (!columns.TryAdd(name, i))
            {
                errors.Add(new CsvRowError(1, name, $"Column '{name}' appears twice."));
            }
        }
        foreach (var required in RequiredColumns.Where(c => !columns.ContainsKey(c)))
        {
            errors.Add(new CsvRowError(1, required, $"The header has no '{required}' column."));
        }
        return columns;
    }

    /// <summary>One data row, validated with exactly the rules of <see cref="CreateItemRequest"/>.</summary>
    private static CreateItemRequest ReadRow(string[] record, Dictionary<string, int> columns, int line,
        List<CsvRowError> errors)
    {
        string? Field(string name) =>
            columns.TryGetValue(name, out var i) && i < record.Length && record[i].Length > 0 ? record[i] : null;

        int? reorderPoint = null;
        if (Field("reorderPoint") is { } text)
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                reorderPoint = value;
            }
            else
            {
                errors.Add(new CsvRowError(line, "reorderPoint", $"'{Truncate(text)}' is not a whole number ≥ 0."));
            }
        }

        var row = new CreateItemRequest
        {
            Sku = Field("sku"), Name = Field("name"), Category = Field("category"), Unit = Field("unit"),
            ReorderPoint = reorderPoint,
        };
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(row, new ValidationContext(row), results, validateAllProperties: true))
        {
            foreach (var result in results)
            {
                var member = result.MemberNames.FirstOrDefault() ?? "";
                var column = member.Length > 0 ? char.ToLowerInvariant(member[0]) + member[1..] : null;
                errors.Add(new CsvRowError(line, column, result.ErrorMessage ?? "Invalid value."));
            }
        }
        return row;
    }

    private static string Truncate(string text) => text.Length <= 20 ? text : text[..20] + "…";
}

/// <summary>The rows of an import file, the problems found in it, and whether it had more rows than allowed.</summary>
internal sealed record ParsedCsv(IReadOnlyList<CreateItemRequest> Rows, IReadOnlyList<CsvRowError> Errors,
    bool TooManyRows);
