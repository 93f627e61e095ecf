using System.Net.Http.Headers;
using Inventory.Api.Auth;
using Inventory.Api.Data;
using Inventory.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Items;

/// <summary>
/// <c>GET /api/items/export</c> streams the catalogue as CSV row by row; <c>POST /api/items/import</c> validates a
/// whole CSV file first (<see cref="ItemsCsvParser"/>) and then creates or updates every row in one transaction
/// (<see cref="ItemsCsvImport"/>), or changes nothing.
/// CSV parsing and writing (quoting, embedded commas and line breaks) is CsvHelper's; cells that a spreadsheet would
/// run as formulas are escaped (<see cref="CsvFormulas"/>).
/// </summary>
internal static class ItemsCsvApi
{
    public const string ContentType = "text/csv";
    public const long MaxImportBytes = 5 * 1024 * 1024;

    /// <summary>Listed in a 400 at most; the count says how many there were in all.</summary>
    private const int MaxListedErrors = 100;

    public static RouteGroupBuilder MapItemsCsvApi(this RouteGroupBuilder items)
    {
        items.MapGet("/export", Export).WithName("ExportItemsCsv")
            .WithSummary("Export active items as CSV (streamed)")
            .WithDescription($"Columns: {string.Join(',', ItemsCsvExport.Columns)}, one row per active item by SKU; the file "
                + "imports back as it is. A text cell that starts with = + - @, tab or CR gets a leading ' so a "
                + "spreadsheet shows it as text instead of running it as a formula; the import takes that ' off again.")
            .Produces<string>(StatusCodes.Status200OK, ContentType);
        items.MapPost("/import", Import).WithName("ImportItemsCsv")
            .WithSummary("Create or update items from CSV, all or nothing")
            .WithDescription($"Columns: {string.Join(',', ItemsCsvParser.ImportColumns)} (an onHand column is "
                + $"ignored). At most {ItemsCsvParser.MaxImportRows} rows and {MaxImportBytes / 1024 / 1024} MB. "
                + "Rows are numbered as in a spreadsheet: the header is row 1. UTF-8 only; a ' before a cell that "
                + "starts with = + - @, tab or CR (as the export writes it) is taken off.")
            .RequireAuthorization(ApiPolicies.ManageCatalogue)
            .Accepts<string>(ContentType)
            .WithRequestBodyLimit(new RequestBodyLimit(MaxImportBytes))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return items;
    }

    public static PushStreamHttpResult Export(InventoryDbContext db, HttpContext http) =>
        TypedResults.Stream(body => ItemsCsvExport.WriteAsync(db, body, http.RequestAborted),
            ItemsCsvExport.ContentType, ItemsCsvExport.FileName);

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

        var parsed = ItemsCsvParser.Parse(body);
        if (parsed.TooManyRows)
        {
            return TooLarge();
        }
        if (parsed.Errors.Count > 0)
        {
            return Problems.Result(Problems.InvalidCsv,
                $"{parsed.Errors.Count} problem(s) found; fix them and send the whole file again. "
                + "Rows count from the header (row 1).",
                new Dictionary<string, object?>
                {
                    ["errorCount"] = parsed.Errors.Count,
                    ["errors"] = parsed.Errors.Take(MaxListedErrors).ToList(),
                });
        }

        try
        {
            return TypedResults.Ok(await ItemsCsvImport.ApplyAsync(db, parsed.Rows, time.DatabaseNow(), ct));
        }
        catch (DbUpdateException ex) when (ex is DbUpdateConcurrencyException || PostgresErrors.IsUniqueViolation(ex))
        {
            return Problems.Result(Problems.DuplicateSku,
                "Another request created or changed some of these items during the import; nothing was imported. "
                + "Send the file again.");
        }
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
        $"An import takes at most {ItemsCsvParser.MaxImportRows} rows and {MaxImportBytes / 1024 / 1024} MB; "
        + "split the file.");
}
