using Inventory.Api.Auth;
using Inventory.Api.Data;
using Inventory.Api.Http;
using Inventory.Api.Paging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Inventory.Api.Stock;

internal static class StockApi
{
    public static IEndpointRouteBuilder MapStockApi(this IEndpointRouteBuilder api)
    {
        var stock = api.MapGroup("/stock")
            .WithTags("Stock")
            .RequireAuthorization(ApiPolicies.MoveStock)
            .WithRequestBodyLimit(RequestBodyLimit.Json)
            .WithMetadata(new ProducesResponseTypeMetadata(
                StatusCodes.Status201Created, typeof(StockMovementResponse), ["application/json"]))
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        stock.MapPost("/receipts", PostReceipt).WithName("RecordReceipt")
            .WithSummary("Receive stock into a location")
            .WithDescription("Adds quantity at the location. Send Idempotency-Key to make retries safe.");
        stock.MapPost("/issues", PostIssue).WithName("RecordIssue")
            .WithSummary("Issue stock from a location")
            .WithDescription(
                "Removes quantity from the location; 409 when it holds less (stock never goes below zero).");
        stock.MapPost("/transfers", PostTransfer).WithName("RecordTransfer")
            .WithSummary("Transfer stock between locations")
            .WithDescription(
                "Moves quantity from fromLocation to toLocation atomically; 409 when the source holds less.");
        stock.MapPost("/counts", PostCount).WithName("RecordCount")
            .WithSummary("Record a stock count")
            .WithDescription(
                "Sets the location's quantity to countedQuantity and records the difference as an adjustment.");

        api.MapGet("/items/{sku}/movements", GetMovements).WithName("GetItemMovements")
            .WithTags("Stock")
            .WithSummary("An item's ledger, newest first")
            .WithDescription("Every stock movement of the item, newest first. A page holds up to limit movements; "
                + "send its nextCursor back as cursor for older ones.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    // The Idempotency-Key parameter of each POST documents the header in OpenAPI; StockPosting reads the header itself.
    public static Task<Results<ContentHttpResult, ProblemHttpResult, ValidationProblem>> PostReceipt(
        StockChangeRequest request, [FromHeader(Name = StockPosting.IdempotencyHeader)] string? idempotencyKey,
        HttpContext http, StockPosting posting, CancellationToken ct) =>
        posting.PostAsync(http, request, (ledger, actor, token) => ledger.ReceiveAsync(request, actor, token), ct);

    public static Task<Results<ContentHttpResult, ProblemHttpResult, ValidationProblem>> PostIssue(
        StockChangeRequest request, [FromHeader(Name = StockPosting.IdempotencyHeader)] string? idempotencyKey,
        HttpContext http, StockPosting posting, CancellationToken ct) =>
        posting.PostAsync(http, request, (ledger, actor, token) => ledger.IssueAsync(request, actor, token), ct);

    public static Task<Results<ContentHttpResult, ProblemHttpResult, ValidationProblem>> PostTransfer(
        StockTransferRequest request, [FromHeader(Name = StockPosting.IdempotencyHeader)] string? idempotencyKey,
        HttpContext http, StockPosting posting, CancellationToken ct) =>
        posting.PostAsync(http, request, (ledger, actor, token) => ledger.TransferAsync(request, actor, token), ct);

    public static Task<Results<ContentHttpResult, ProblemHttpResult, ValidationProblem>> PostCount(
        StockCountRequest request, [FromHeader(Name = StockPosting.IdempotencyHeader)] string? idempotencyKey,
        HttpContext http, StockPosting posting, CancellationToken ct) =>
        posting.PostAsync(http, request, (ledger, actor, token) => ledger.CountAsync(request, actor, token), ct);

    public static async Task<Results<Ok<StockMovementPage>, ProblemHttpResult, ValidationProblem>> GetMovements(
        string sku, [AsParameters] PageQuery page, InventoryDbContext db, CancellationToken ct)
    {
        var (cursorValid, movements) = await MovementQueries.ForItemAsync(db, sku, page.Cursor,
            page.Limit ?? PageQuery.DefaultLimit, ct);
        if (!cursorValid)
        {
            return KeysetCursor.Invalid();
        }
        return movements is null
            ? Problems.Result(Problems.ItemNotFound, $"No item has SKU '{sku}'.")
            : TypedResults.Ok(movements);
    }
}
