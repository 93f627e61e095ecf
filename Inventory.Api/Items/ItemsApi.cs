using Inventory.Api.Auth;
using Inventory.Api.Data;
using Inventory.Api.Http;
using Inventory.Api.Paging;
using Inventory.Api.Stock;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using System.Linq.Expressions;
using Npgsql;

namespace Inventory.Api.Items;

internal static class ItemsApi
{
    public const string DefaultUnit = "pcs";

    public static IEndpointRouteBuilder MapItemsApi(this IEndpointRouteBuilder api)
    {
        var items = api.MapGroup("/items").WithTags("Items");

        items.MapGet("", ListItems).WithName("ListItems")
            .WithSummary("List items, filtered, with keyset paging");
        items.MapGet("/{sku}", GetItem).WithName("GetItem")
            .WithSummary("An item with its stock per location; ETag header")
            // Nothing to validate (a route string); without this, the HttpContext parameter alone makes the validation
            // filter wrap every GET, at an allocation-heavy few percent of its CPU.
            .DisableValidation()
            .ProducesProblem(StatusCodes.Status404NotFound);
        items.MapPost("", CreateItem).WithName("CreateItem")
            .WithSummary("Create an item")
            .RequireAuthorization(ApiPolicies.ManageCatalogue)
            .WithRequestBodyLimit(RequestBodyLimit.Json)
            .ProducesProblem(StatusCodes.Status409Conflict);
        items.MapPut("/{sku}", UpdateItem).WithName("UpdateItem")
            .WithSummary("Update an item; needs If-Match with its ETag")
            .RequireAuthorization(ApiPolicies.ManageCatalogue)
            .WithRequestBodyLimit(RequestBodyLimit.Json)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired);
        items.MapDelete("/{sku}", ArchiveItem).WithName("ArchiveItem")
            .WithSummary("Archive an item; refused while stock is on hand")
            .RequireAuthorization(ApiPolicies.ManageCatalogue)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        items.MapItemsCsv();
        return api;
    }

    public static async Task<Results<Ok<ItemPage>, ValidationProblem>> ListItems(
        [AsParameters] ItemListQuery query, InventoryDbContext db, CancellationToken ct)
    {
        var sort = query.Sort ?? "sku";
        var scope = sort == "name" ? "items:name" : "items:sku";
        if (!KeysetCursor.TryDecode(query.Cursor, scope, out var after))
        {
            return KeysetCursor.Invalid();
        }

        var limit = query.Limit ?? PageQuery.DefaultLimit;
        var page = new List<ListedItem>(limit + 1);
        if (IsUnfiltered(query))
        {
            await ReadUnfilteredPageAsync(db, sort, after, limit + 1, page, ct);
        }
        else
        {
            await foreach (var row in FilteredPage(db, query, sort, after).Take(limit + 1).AsAsyncEnumerable().WithCancellation(ct))
            {
                page.Add(row);
            }
        }
        string? next = null;
        if (page.Count > limit)
        {
            var last = page[limit - 1];
            next = KeysetCursor.Encode(scope, sort == "name" ? last.Summary.Name : StockLedger.Key(last.Summary.Sku), last.Id);
        }
        return TypedResults.Ok(new ItemPage(page.Take(limit).Select(r => r.Summary).ToList(), next));
    }

    private static bool IsUnfiltered(ItemListQuery query) =>
        query.IncludeArchived != true && string.IsNullOrEmpty(query.Search) && string.IsNullOrEmpty(query.Category)
        && query.LowStock != true;

    /// <summary>The listing with any filter: composed per request from the filters given.</summary>
    private static IQueryable<ListedItem> FilteredPage(InventoryDbContext db, ItemListQuery query, string sort, KeysetPosition? after)
    {
        var items = db.Items.AsNoTracking();
        if (query.IncludeArchived != true)
        {
            items = items.Where(i => !i.Archived);
        }
        if (!string.IsNullOrEmpty(query.Search))
        {
            var pattern = $"%{EscapeLike(query.Search)}%";
            items = items.Where(i => EF.Functions.ILike(i.Sku, pattern, "\\") || EF.Functions.ILike(i.Name, pattern, "\\"));
        }
        if (!string.IsNullOrEmpty(query.Category))
        {
            var category = EscapeLike(query.Category);
            items = items.Where(i => i.Category != null && EF.Functions.ILike(i.Category, category, "\\"));
        }
        if (query.LowStock == true)
        {
            items = items.Where(i => i.StockLevels.Sum(s => s.Quantity) <= i.ReorderPoint);
        }
        if (after is not null)
        {
            // A row comparison, (key, id) > (@key, @id), lets PostgreSQL start the index scan at the cursor; the
            // equivalent "key > @key OR (key = @key AND id > @id)" made it read and discard every earlier row.
            items = sort == "name"
                ? items.Where(i => EF.Functions.GreaterThan(ValueTuple.Create(i.Name, i.Id), ValueTuple.Create(after.Key, after.Id)))
                : items.Where(i => EF.Functions.GreaterThan(ValueTuple.Create(i.SkuKey, i.Id), ValueTuple.Create(after.Key, after.Id)));
        }
        var ordered = sort == "name"
            ? items.OrderBy(i => i.Name).ThenBy(i => i.Id)
            : items.OrderBy(i => i.SkuKey).ThenBy(i => i.Id);
        return ordered.Select(Listed);
    }

    /// <summary>
    /// The listing without filters — what a client paging through the catalogue asks for, and the busiest — is
    /// hand-written SQL on the context's connection, for the reasons given at <see cref="LoadAsync"/>: the same rows in
    /// the same order as <see cref="FilteredPage"/> gives (ItemListingTests compares the two page by page).
    /// </summary>
    private static async Task ReadUnfilteredPageAsync(InventoryDbContext db, string sort, KeysetPosition? after, int take,
        List<ListedItem> page, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var sql = (sort, after) switch
            {
                ("name", null) => FirstPageByNameSql,
                ("name", _) => NextPageByNameSql,
                (_, null) => FirstPageBySkuSql,
                _ => NextPageBySkuSql,
            };
            await using var command = SqlCommand(db, sql);
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = take });
            if (after is not null)
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after.Key });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after.Id });
            }
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                page.Add(new ListedItem(reader.GetInt64(0), new ItemSummary(reader.GetString(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.GetInt32(5),
                    reader.GetBoolean(6), reader.GetInt64(7), reader.GetFieldValue<DateTimeOffset>(8))));
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    // One statement per sort order and page (first, or after a cursor), each prepared once: after a cursor the row
    // comparison (key, id) > ($2, $3) lets PostgreSQL start the index scan there (bench/results.md, item 1).
    private static readonly string FirstPageBySkuSql = PageSql("sku_key", afterCursor: false);
    private static readonly string NextPageBySkuSql = PageSql("sku_key", afterCursor: true);
    private static readonly string FirstPageByNameSql = PageSql("name", afterCursor: false);
    private static readonly string NextPageByNameSql = PageSql("name", afterCursor: true);

    private static string PageSql(string key, bool afterCursor) => $"""
        SELECT i.id, i.sku, i.name, i.category, i.unit, i.reorder_point, i.archived,
               (SELECT COALESCE(sum(s.quantity), 0)::bigint FROM stock_levels AS s WHERE s.item_id = i.id), i.updated_at
        FROM items AS i
        WHERE NOT i.archived{(afterCursor ? $" AND (i.{key}, i.id) > ($2, $3)" : "")}
        ORDER BY i.{key}, i.id
        LIMIT $1
        """;

    private static readonly Expression<Func<Item, ListedItem>> Listed = i => new ListedItem(i.Id,
        new ItemSummary(i.Sku, i.Name, i.Category, i.Unit, i.ReorderPoint, i.Archived, i.StockLevels.Sum(s => s.Quantity), i.UpdatedAt));

    private sealed record ListedItem(long Id, ItemSummary Summary);

    public static async Task<Results<Ok<ItemResponse>, ProblemHttpResult>> GetItem(
        string sku, NpgsqlDataSource database, HttpContext http, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(ItemByKeySql, connection);
        var found = await ReadItemAsync(command, sku, ct);
        if (found is null)
        {
            return NotFound(sku);
        }
        http.Response.Headers.ETag = ItemETag.Format(found.Value.Version);
        return TypedResults.Ok(found.Value.Item);
    }

    public static async Task<Results<Created<ItemResponse>, ProblemHttpResult>> CreateItem(
        CreateItemRequest request, InventoryDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var now = time.DatabaseNow();
        var item = new Item
        {
            Sku = request.Sku!,
            Name = request.Name!,
            Description = request.Description,
            Category = request.Category,
            Unit = request.Unit ?? DefaultUnit,
            ReorderPoint = request.ReorderPoint ?? 0,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Items.Add(item);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (IsUniqueViolation(ex))
        {
            return Problems.Result(Problems.DuplicateSku, $"SKU '{request.Sku}' is taken (SKUs are unique regardless of case).");
        }

        http.Response.Headers.ETag = ItemETag.Format(item.Version);
        return TypedResults.Created($"/api/items/{Uri.EscapeDataString(item.Sku)}", new ItemResponse(item.Sku, item.Name,
            item.Description, item.Category, item.Unit, item.ReorderPoint, item.Archived, 0, [], item.CreatedAt, item.UpdatedAt));
    }

    public static async Task<Results<Ok<ItemResponse>, ProblemHttpResult>> UpdateItem(
        string sku, UpdateItemRequest request, [FromHeader(Name = "If-Match")] string? ifMatch,
        InventoryDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return Problems.Result(Problems.IfMatchRequired,
                "Send If-Match with the ETag of the item as you last read it (GET /api/items/{sku}).");
        }
        var key = StockLedger.Key(sku);
        var item = await db.Items.SingleOrDefaultAsync(i => i.SkuKey == key, ct);
        if (item is null)
        {
            return NotFound(sku);
        }
        if (!ItemETag.Matches(ifMatch, item.Version))
        {
            return StaleETag(sku);
        }

        item.Name = request.Name!;
        item.Description = request.Description;
        item.Category = request.Category;
        item.Unit = request.Unit ?? DefaultUnit;
        item.ReorderPoint = request.ReorderPoint ?? 0;
        item.UpdatedAt = time.DatabaseNow();
        try
        {
            // The UPDATE carries WHERE xmin = <version read>: a concurrent edit in between makes it match nothing.
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return StaleETag(sku);
        }

        var saved = (await LoadAsync(db, sku, ct))!.Value;
        http.Response.Headers.ETag = ItemETag.Format(saved.Version);
        return TypedResults.Ok(saved.Item);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> ArchiveItem(
        string sku, StockLedger ledger, CancellationToken ct)
    {
        var refused = await ledger.InTransactionAsync(token => ledger.ArchiveAsync(sku, token), ct);
        return refused is null ? TypedResults.NoContent() : Problems.Result(refused.Kind, refused.Detail, refused.Extensions);
    }

    internal static bool IsUniqueViolation(DbUpdateException ex) =>
        ex.GetBaseException() is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    /// <summary>
    /// The item with its stock per location, in one round trip: a row per location holding stock (or one row with no
    /// location when none does), folded here. On hand is the sum of those rows: quantities are never negative
    /// (<c>ck_stock_levels_quantity</c>), so leaving out the empty ones changes no total.
    /// </summary>
    /// <remarks>
    /// The API's busiest read, so it is hand-written SQL rather than a LINQ query: even compiled, an EF Core query binds
    /// its shaper and command-resolver lambdas again on every execution (<c>DynamicMethod.CreateDelegate</c>), runs its
    /// query pipeline and sends named parameters that Npgsql rewrites on every command, together about a sixth of the
    /// API's CPU per GET (bench/results.md, item 14). The GET runs it straight on the pool (the
    /// <see cref="NpgsqlDataSource"/> EF Core also runs on), with no DbContext, whose lease and connection handling cost
    /// another 7% (item 16); an update reads the item back here, on the context's connection and in its transaction.
    /// The columns are those of the <c>InitialCreate</c> migration; every GET test reads through here, so a renamed
    /// column fails them.
    /// </remarks>
    private static async Task<(ItemResponse Item, uint Version)?> LoadAsync(InventoryDbContext db, string sku, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = SqlCommand(db, ItemByKeySql);
            return await ReadItemAsync(command, sku, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Runs <see cref="ItemByKeySql"/> for <paramref name="sku"/> on <paramref name="command"/>'s open connection.</summary>
    private static async Task<(ItemResponse Item, uint Version)?> ReadItemAsync(NpgsqlCommand command, string sku, CancellationToken ct)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = StockLedger.Key(sku) });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        // Column by column, in order: the reader then never seeks back in its buffer.
        var (version, itemSku, name) = (reader.GetFieldValue<uint>(0), reader.GetString(1), reader.GetString(2));
        var description = reader.IsDBNull(3) ? null : reader.GetString(3);
        var category = reader.IsDBNull(4) ? null : reader.GetString(4);
        var (unit, reorderPoint, archived) = (reader.GetString(5), reader.GetInt32(6), reader.GetBoolean(7));
        var (createdAt, updatedAt) = (reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9));
        var stock = new List<StockAtLocation>();
        long onHand = 0;
        do
        {
            if (!reader.IsDBNull(10))
            {
                var (location, quantity) = (reader.GetString(10), reader.GetInt64(11));
                stock.Add(new StockAtLocation(location, quantity));
                onHand += quantity;
            }
        }
        while (await reader.ReadAsync(ct));

        return (new ItemResponse(itemSku, name, description, category, unit, reorderPoint, archived, onHand, stock,
            createdAt, updatedAt), version);
    }

    /// <summary>A command on the context's connection, opened by the caller, in the context's transaction if it has one.</summary>
    private static NpgsqlCommand SqlCommand(InventoryDbContext db, string sql) =>
        new(sql, (NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction());

    /// <summary>Positional (<c>$1</c>), so Npgsql sends it as written; prepared automatically after a few uses.</summary>
    private const string ItemByKeySql = """
        SELECT i.xmin, i.sku, i.name, i.description, i.category, i.unit, i.reorder_point, i.archived, i.created_at,
               i.updated_at, l.code, s.quantity
        FROM items AS i
        LEFT JOIN stock_levels AS s ON s.item_id = i.id AND s.quantity > 0
        LEFT JOIN locations AS l ON l.id = s.location_id
        WHERE i.sku_key = $1
        ORDER BY l.code_key
        """;

    private static ProblemHttpResult NotFound(string sku) => Problems.Result(Problems.ItemNotFound, $"No item has SKU '{sku}'.");

    private static ProblemHttpResult StaleETag(string sku) => Problems.Result(Problems.StaleETag,
        $"Item '{sku}' changed since that ETag was issued; GET it again, reapply your change and send the new ETag.");

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);
}
