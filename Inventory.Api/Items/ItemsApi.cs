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
            .WithSummary("List items, filtered, with keyset paging")
            .WithDescription("Active items by SKU, or by name with sort=name; search matches part of the SKU or name "
                + "ignoring case, lowStock keeps items at or below their reorder point (never those with reorder "
                + "point 0). A page holds up to limit items; send its nextCursor back as cursor for the next one. "
                + "Each page has an ETag that changes when a row on it, its membership or its next cursor changes; "
                + "send it as If-None-Match for a 304.")
            .Produces(StatusCodes.Status304NotModified);
        items.MapGet("/{sku}", GetItem).WithName("GetItem")
            .WithSummary("An item with its stock per location; ETag header")
            .WithDescription("The item, its on-hand total and the quantity at each location holding it. The ETag "
                + "changes with any change of the item or its stock: send it as If-None-Match for a 304 without a "
                + "body while nothing changed, or as If-Match to update the item.")
            // Nothing to validate (a route string); without this, the HttpContext parameter alone makes the
            // validation filter wrap every GET, at an allocation-heavy few percent of its CPU.
            .DisableValidation()
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);
        items.MapPost("", CreateItem).WithName("CreateItem")
            .WithSummary("Create an item")
            .WithDescription("Admin only. A SKU is unique regardless of case (409 when taken); unit defaults to pcs "
                + "and reorderPoint to 0. Answers the item with its ETag and its Location.")
            .RequireAuthorization(ApiPolicies.ManageCatalogue)
            .WithRequestBodyLimit(RequestBodyLimit.Json)
            .ProducesProblem(StatusCodes.Status409Conflict);
        items.MapPut("/{sku}", UpdateItem).WithName("UpdateItem")
            .WithSummary("Update an item; needs If-Match with its ETag")
            .WithDescription("Admin only. Replaces name, description, category, unit and reorderPoint; the SKU stays. "
                + "If-Match must hold an ETag of the item: without it 428. It guards the item's own fields: an ETag "
                + "read before a stock movement still matches, one read before another edit (or archive, or "
                + "restore) is a 412.")
            .RequireAuthorization(ApiPolicies.ManageCatalogue)
            .WithRequestBodyLimit(RequestBodyLimit.Json)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired);
        items.MapDelete("/{sku}", ArchiveItem).WithName("ArchiveItem")
            .WithSummary("Archive an item; refused while stock is on hand")
            .WithDescription("Admin only. The item leaves listings and the export; its ledger is kept. 409 while any "
                + "location holds some of it.")
            .RequireAuthorization(ApiPolicies.ManageCatalogue)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        items.MapItemRestore();
        items.MapItemsCsvApi();
        return api;
    }

    public static async Task<Results<Ok<ItemPage>, StatusCodeHttpResult, ValidationProblem>> ListItems(
        [AsParameters] ItemListQuery query, InventoryDbContext db, HttpContext http, CancellationToken ct)
    {
        if (await ItemQueries.PageAsync(db, query, ct) is not { } result)
        {
            return KeysetCursor.Invalid();
        }
        return ConditionalGet.ClientHasCurrent(http, ConditionalGet.Tag(result, ApiJsonContext.Default.ItemPage))
            ? ConditionalGet.NotModified()
            : TypedResults.Ok(result);
    }

    public static async Task<Results<Ok<ItemResponse>, StatusCodeHttpResult, ProblemHttpResult>> GetItem(
        string sku, NpgsqlDataSource database, HttpContext http, CancellationToken ct)
    {
        var found = await ItemQueries.FindAsync(database, sku, ct);
        if (found is null)
        {
            return NotFound(sku);
        }
        var (item, version) = found.Value;
        return ConditionalGet.ClientHasCurrent(http, ItemETag.Format(version, item))
            ? ConditionalGet.NotModified()
            : TypedResults.Ok(item);
    }

    public static async Task<Results<Created<ItemResponse>, ProblemHttpResult>> CreateItem(
        CreateItemRequest request, InventoryDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (await ItemCatalogue.CreateAsync(db, time, request, ct) is not { } result)
        {
            return Problems.Result(Problems.DuplicateSku,
                $"SKU '{request.Sku}' is taken (SKUs are unique regardless of case).");
        }
        var (created, version) = result;
        http.Response.Headers.ETag = ItemETag.Format(version, created);
        return TypedResults.Created($"/api/items/{Uri.EscapeDataString(created.Sku)}", created);
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
        var (outcome, saved, version) = await ItemCatalogue.UpdateAsync(db, time, sku, request,
            current => ItemETag.Matches(ifMatch, current), ct);
        switch (outcome)
        {
            case ItemEditOutcome.NotFound:
                return NotFound(sku);
            case ItemEditOutcome.Stale:
                return StaleETag(sku);
            default:
                http.Response.Headers.ETag = ItemETag.Format(version, saved!);
                return TypedResults.Ok(saved!);
        }
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
