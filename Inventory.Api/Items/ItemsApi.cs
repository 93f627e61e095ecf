using Inventory.Api.Auth;
using Inventory.Api.Data;
using Inventory.Api.Http;
using Inventory.Api.Paging;
using Inventory.Api.Stock;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Inventory.Api.Items;

internal static class ItemsApi
{
    public static IEndpointRouteBuilder MapItemsApi(this IEndpointRouteBuilder api)
    {
        var items = api.MapGroup("/items").WithTags("Items");

        items.MapGet("", ListItems).WithName("ListItems")
            .WithSummary("List items, filtered, with keyset paging");
        items.MapGet("/{sku}", GetItem).WithName("GetItem")
            .WithSummary("An item with its stock per location; ETag header")
            // Nothing to validate (a route string); without this, the HttpContext parameter alone makes the
            // validation filter wrap every GET, at an allocation-heavy few percent of its CPU.
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
        items.MapItemsCsvApi();
        return api;
    }

    public static async Task<Results<Ok<ItemPage>, ValidationProblem>> ListItems(
        [AsParameters] ItemListQuery query, InventoryDbContext db, CancellationToken ct)
    {
        var sort = query.Sort ?? "sku";
        var scope = sort == "name" ? "items:name" : "items:sku";
        var keys = sort == "name" ? KeysetCursor.NameKeys : KeysetCursor.CodeKeys;
        if (!KeysetCursor.TryDecode(query.Cursor, scope, keys, out var after))
        {
            return KeysetCursor.Invalid();
        }

        var limit = query.Limit ?? PageQuery.DefaultLimit;
        var page = await ItemQueries.ListAsync(db, query, sort, after, limit + 1, ct);
        string? next = null;
        if (page.Count > limit)
        {
            var last = page[limit - 1];
            var key = sort == "name" ? last.Summary.Name : CodeKey.Of(last.Summary.Sku);
            next = KeysetCursor.Encode(scope, key, last.Id);
        }
        return TypedResults.Ok(new ItemPage(page.Take(limit).Select(r => r.Summary).ToList(), next));
    }

    public static async Task<Results<Ok<ItemResponse>, ProblemHttpResult>> GetItem(
        string sku, NpgsqlDataSource database, HttpContext http, CancellationToken ct)
    {
        var found = await ItemQueries.FindAsync(database, sku, ct);
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
            Unit = request.Unit ?? Item.DefaultUnit,
            ReorderPoint = request.ReorderPoint ?? 0,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Items.Add(item);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (PostgresErrors.IsUniqueViolation(ex))
        {
            return Problems.Result(Problems.DuplicateSku,
                $"SKU '{request.Sku}' is taken (SKUs are unique regardless of case).");
        }

        http.Response.Headers.ETag = ItemETag.Format(item.Version);
        return TypedResults.Created($"/api/items/{Uri.EscapeDataString(item.Sku)}", new ItemResponse(item.Sku,
            item.Name, item.Description, item.Category, item.Unit, item.ReorderPoint, item.Archived, 0, [],
            item.CreatedAt, item.UpdatedAt));
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
        var key = CodeKey.Of(sku);
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
        item.Unit = request.Unit ?? Item.DefaultUnit;
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

        var saved = (await ItemQueries.LoadAsync(db, sku, ct))!.Value;
        http.Response.Headers.ETag = ItemETag.Format(saved.Version);
        return TypedResults.Ok(saved.Item);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> ArchiveItem(
        string sku, StockLedger ledger, CancellationToken ct)
    {
        var refused = await ledger.InTransactionAsync(token => ledger.ArchiveAsync(sku, token), ct);
        return refused is null
            ? TypedResults.NoContent()
            : Problems.Result(refused.Kind, refused.Detail, refused.Extensions);
    }

    private static ProblemHttpResult NotFound(string sku) =>
        Problems.Result(Problems.ItemNotFound, $"No item has SKU '{sku}'.");

    private static ProblemHttpResult StaleETag(string sku) => Problems.Result(Problems.StaleETag,
        $"Item '{sku}' changed since that ETag was issued; GET it again, reapply your change and send the new ETag.");
}
