using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Inventory.Api.Http;

/// <summary>Every domain failure the API answers with, so clients can switch on <c>type</c>.</summary>
public static class Problems
{
    public static readonly ProblemKind ItemNotFound =
        new("item-not-found", "Item not found", StatusCodes.Status404NotFound);
    public static readonly ProblemKind LocationNotFound =
        new("location-not-found", "Location not found", StatusCodes.Status404NotFound);
    public static readonly ProblemKind DuplicateSku =
        new("duplicate-sku", "An item with this SKU already exists", StatusCodes.Status409Conflict);
    public static readonly ProblemKind DuplicateLocation =
        new("duplicate-location", "A location with this code already exists", StatusCodes.Status409Conflict);
    public static readonly ProblemKind InsufficientStock =
        new("insufficient-stock", "Not enough stock", StatusCodes.Status409Conflict);
    public static readonly ProblemKind ItemArchived =
        new("item-archived", "The item is archived", StatusCodes.Status409Conflict);
    public static readonly ProblemKind StockOnHand =
        new("stock-on-hand", "The item still has stock on hand", StatusCodes.Status409Conflict);
    public static readonly ProblemKind StaleETag =
        new("stale-etag", "The item changed since it was read", StatusCodes.Status412PreconditionFailed);
    public static readonly ProblemKind IfMatchRequired =
        new("if-match-required", "If-Match header required", StatusCodes.Status428PreconditionRequired);
    public static readonly ProblemKind IdempotencyKeyReused = new("idempotency-key-reused",
        "Idempotency-Key already used with a different request", StatusCodes.Status422UnprocessableEntity);
    public static readonly ProblemKind InvalidCsv =
        new("invalid-csv", "The CSV file has errors; nothing was imported", StatusCodes.Status400BadRequest);
    public static readonly ProblemKind PayloadTooLarge =
        new("payload-too-large", "Request body too large", StatusCodes.Status413PayloadTooLarge);
    public static readonly ProblemKind UnsupportedMediaType =
        new("unsupported-media-type", "Unsupported media type", StatusCodes.Status415UnsupportedMediaType);
    public static readonly ProblemKind MissingApiKey =
        new("missing-api-key", "API key required", StatusCodes.Status401Unauthorized);
    public static readonly ProblemKind Forbidden =
        new("forbidden", "The API key's role does not allow this", StatusCodes.Status403Forbidden);
    public static readonly ProblemKind RateLimited =
        new("rate-limited", "Too many requests", StatusCodes.Status429TooManyRequests);

    public static ProblemDetails Details(
        ProblemKind kind, string detail, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails
        {
            Type = kind.Type, Title = kind.Title, Status = kind.Status, Detail = detail,
        };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[key] = value;
        }
        return problem;
    }

    public static ProblemHttpResult Result(
        ProblemKind kind, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(Details(kind, detail, extensions));

    /// <summary>A 400 with the same <c>errors</c> map the framework's validation answers with.</summary>
    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
}