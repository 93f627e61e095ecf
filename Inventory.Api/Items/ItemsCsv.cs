using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using CsvHelper;
using Inventory.Api.Auth;
using Inventory.Api.Data;
using Inventory.Api.Http;
using Inventory.Api.Stock;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Items;

/// <summary>
/// <c>GET /api/items/export</c> streams the catalogue as CSV row by row; <c>POST /api/items/import</c> validates a
/// whole CSV file first and then creates or updates every row in one transaction, or changes nothing.
/// CSV parsing and writing (quoting, embedded commas and line breaks) is CsvHelper's.
/// </summary>
internal static class ItemsCsv
{
    public const string ContentType = "text/csv";
    public const int MaxImportRows = 10_000;
    public const long MaxImportBytes = 5 * 1024 * 1024;

    /// <summary>Listed in a 400 at most; the count says how many there were in all.</summary>
    private const int MaxListedErrors = 100;

    private static readonly string[] ExportColumns = ["sku", "name", "category", "unit", "reorderPoint", "onHand"];
    private static readonly string[] ImportColumns = ["sku", "name", "category", "unit", "reorderPoint"];
    private static readonly string[] RequiredColumns = ["sku", "name"];

    public static RouteGroupBuilder MapItemsCsv(this RouteGroupBuilder items)
    {
        items.MapGet("/export", Export).WithName("ExportItemsCsv")
            .WithSummary("Export active items as CSV (streamed)")
            .Produces<string>(StatusCodes.Status200OK, ContentType);
        items.MapPost("/import", Import).WithName("ImportItemsCsv")
            .WithSummary("Create or update items from CSV, all or nothing")
            .WithDescription($"Columns: {string.Join(',', ImportColumns)} (an onHand column is ignored). At most {MaxImportRows} rows " +
                $"and {MaxImportBytes / 1024 / 1024} MB. Rows are numbered as in a spreadsheet: the header is row 1.")
            .RequireAuthorization(ApiPolicies.ManageCatalogue)
            .Accepts<string>(ContentType)
            .WithRequestBodyLimit(new RequestBodyLimit(MaxImportBytes))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return items;
    }

    public static PushStreamHttpResult Export(InventoryDbContext db, HttpContext http) =>
        TypedResults.Stream(async body =>
        {
            var ct = http.RequestAborted;
            await using var csv = CsvWriter.Create(body, CsvWriterOptions.Default, leaveOpen: true);
            await csv.WriteRecordAsync(ExportColumns, ct);

            // Rows go out as the database returns them; the writer flushes its buffer whenever it is mostly full.
            var rows = db.Items.AsNoTracking().Where(i => !i.Archived).OrderBy(i => i.SkuKey)
                .Select(i => new { i.Sku, i.Name, i.Category, i.Unit, i.ReorderPoint, OnHand = i.StockLevels.Sum(s => s.Quantity) })
                .AsAsyncEnumerable();
            await foreach (var row in rows.WithCancellation(ct))
            {
                csv.WriteField(row.Sku);
                csv.WriteField(row.Name);
                csv.WriteField(row.Category);
                csv.WriteField(row.Unit);
                csv.WriteField(row.ReorderPoint, default);
                csv.WriteField(row.OnHand, default);
                await csv.EndRecordAsync(ct);
            }
            await csv.FlushAsync(ct);
        }, $"{ContentType}; charset=utf-8", "items.csv");

    public static async Task<Results<Ok<ImportSummary>, ProblemHttpResult>> Import(
        HttpRequest request, InventoryDbContext db, TimeProvider time, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !string.Equals(mediaType.MediaType, ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Result(Problems.UnsupportedMediaType, $"Send the file as Content-Type: {ContentType}.");
        }

        var body = await ReadAtMostAsync(request, MaxImportBytes, ct);
        if (body is null)
        {
            return TooLarge();
        }

        var parsed = Parse(body);
        if (parsed.TooManyRows)
        {
            return TooLarge();
        }
        if (parsed.Errors.Count > 0)
        {
            return Problems.Result(Problems.InvalidCsv,
                $"{parsed.Errors.Count} problem(s) found; fix them and send the whole file again. Rows count from the header (row 1).",
                new Dictionary<string, object?>
                {
                    ["errorCount"] = parsed.Errors.Count,
                    ["errors"] = parsed.Errors.Take(MaxListedErrors).ToList(),
                });
        }

        try
        {
            return TypedResults.Ok(await ApplyAsync(db, parsed.Rows, time.DatabaseNow(), ct));
        }
        catch (DbUpdateException ex) when (ex is DbUpdateConcurrencyException || ItemsApi.IsUniqueViolation(ex))
        {
            return Problems.Result(Problems.DuplicateSku,
                "Another request created or changed some of these items during the import; nothing was imported. Send the file again.");
        }
    }

    /// <summary>Rows saved per round trip; the change tracker is emptied between chunks, so memory stays flat.</summary>
    private const int ImportChunkSize = 1_000;

    private static async Task<ImportSummary> ApplyAsync(
        InventoryDbContext db, IReadOnlyList<CreateItemRequest> rows, DateTimeOffset now, CancellationToken ct)
    {
        // One transaction around every chunk: the import stays all-or-nothing.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        int created = 0, updated = 0, unchanged = 0;
        foreach (var chunk in rows.Chunk(ImportChunkSize))
        {
            var keys = chunk.Select(r => StockLedger.Key(r.Sku!)).ToList();
            var existing = await db.Items.Where(i => keys.Contains(i.SkuKey)).ToDictionaryAsync(i => i.SkuKey, ct);
            foreach (var row in chunk)
            {
                var unit = string.IsNullOrEmpty(row.Unit) ? ItemsApi.DefaultUnit : row.Unit;
                var category = string.IsNullOrEmpty(row.Category) ? null : row.Category;
                var reorderPoint = row.ReorderPoint ?? 0;
                if (!existing.TryGetValue(StockLedger.Key(row.Sku!), out var item))
                {
                    db.Items.Add(new Item
                    {
                        Sku = row.Sku!, Name = row.Name!, Category = category, Unit = unit, ReorderPoint = reorderPoint,
                        CreatedAt = now, UpdatedAt = now,
                    });
                    created++;
                }
                else if (item.Name != row.Name || item.Category != category || item.Unit != unit || item.ReorderPoint != reorderPoint)
                {
                    (item.Name, item.Category, item.Unit, item.ReorderPoint, item.UpdatedAt) = (row.Name!, category, unit, reorderPoint, now);
                    updated++;
                }
                else
                {
                    unchanged++;
                }
            }
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
        await transaction.CommitAsync(ct);
        return new ImportSummary(rows.Count, created, updated, unchanged);
    }

    private static ParsedCsv Parse(byte[] body)
    {
        var rows = new List<CreateItemRequest>();
        var errors = new List<CsvRowError>();
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
                for (var i = 0; i < record.Length; i++)
                {
                    record[i] = reader.GetString(i);
                }
                var row = ReadRow(record, columns, line, errors);
                if (row.Sku is not null && !seen.TryAdd(row.Sku, line))
                {
                    errors.Add(new CsvRowError(line, "sku", $"SKU '{row.Sku}' already appears in row {seen[row.Sku]}."));
                }
                rows.Add(row);
            }
        }
        catch (CsvFormatException ex)
        {
            errors.Add(new CsvRowError((int)Math.Max(1, ex.RecordNumber), null, $"The row is not valid CSV: {ex.Message}"));
        }
        if (rows.Count == 0 && errors.Count == 0)
        {
            errors.Add(new CsvRowError(2, null, "The file has no rows below its header."));
        }
        return new ParsedCsv(rows, errors, false);
    }

    private static Dictionary<string, int> MapColumns(IReadOnlyList<string> header, List<CsvRowError> errors)
    {
        if (header.Count == 0)
        {
            errors.Add(new CsvRowError(1, null, $"The file is empty; the first row must name the columns: {string.Join(',', ImportColumns)}."));
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
                errors.Add(new CsvRowError(1, name, $"Unknown column '{name}'; the columns are {string.Join(',', ImportColumns)}."));
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

    /// <summary>The body, or null when it is longer than <paramref name="limit"/> (declared or not).</summary>
    private static async Task<byte[]?> ReadAtMostAsync(HttpRequest request, long limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        return buffer.ToArray();
    }

    private static ProblemHttpResult TooLarge() => Problems.Result(Problems.PayloadTooLarge,
        $"An import takes at most {MaxImportRows} rows and {MaxImportBytes / 1024 / 1024} MB; split the file.");

    /// <summary>One data row, validated with exactly the rules of <see cref="CreateItemRequest"/>.</summary>
    private static CreateItemRequest ReadRow(string[] record, Dictionary<string, int> columns, int line, List<CsvRowError> errors)
    {
        string? Field(string name) => columns.TryGetValue(name, out var i) && i < record.Length && record[i].Length > 0 ? record[i] : null;

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
            Sku = Field("sku"), Name = Field("name"), Category = Field("category"), Unit = Field("unit"), ReorderPoint = reorderPoint,
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

    private sealed record ParsedCsv(IReadOnlyList<CreateItemRequest> Rows, IReadOnlyList<CsvRowError> Errors, bool TooManyRows);
}

public sealed record ImportSummary(int Rows, int Created, int Updated, int Unchanged);

/// <summary>One problem in an import file: its row (header = 1), the column if one is to blame, and what is wrong.</summary>
public sealed record CsvRowError(int Row, string? Column, string Message);
