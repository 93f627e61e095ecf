using Inventory.Api.Auth;
using Inventory.Api.Data;
using Inventory.Api.Http;
using Inventory.Api.Paging;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Inventory.Api.Locations;

internal static class LocationsApi
{
    public static IEndpointRouteBuilder MapLocationsApi(this IEndpointRouteBuilder api)
    {
        var locations = api.MapGroup("/locations").WithTags("Locations");
        locations.MapGet("", ListLocations).WithName("ListLocations")
            .WithSummary("All locations, by code")
            .WithDescription("Every location's code, name and creation time, ordered by code ignoring case.");
        locations.MapGet("/{code}", GetLocation).WithName("GetLocation")
            .WithSummary("A location with the stock it holds")
            .WithDescription("The location and each item it holds a positive quantity of, by SKU. The stock is paged "
                + "like the item list: limit (1-200, default 50) and nextCursor passed back as cursor; the location's "
                + "own fields come with every page.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        locations.MapPost("", CreateLocation).WithName("CreateLocation")
            .WithSummary("Create a location (warehouse or bin)")
            .WithDescription("Admin only. A code is unique regardless of case (409 when taken).")
            .RequireAuthorization(ApiPolicies.ManageCatalogue)
            .WithRequestBodyLimit(RequestBodyLimit.Json)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    public static async Task<Ok<List<LocationSummary>>> ListLocations(InventoryDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await LocationQueries.ListAsync(db, ct));

    public static async Task<Results<Ok<LocationResponse>, ProblemHttpResult, ValidationProblem>> GetLocation(
        string code, [AsParameters] PageQuery page, InventoryDbContext db, CancellationToken ct)
    {
        var (cursorValid, location) = await LocationQueries.FindAsync(db, code, page.Cursor,
            page.Limit ?? PageQuery.DefaultLimit, ct);
        if (!cursorValid)
        {
            return KeysetCursor.Invalid();
        }
        return location is null
            ? Problems.Result(Problems.LocationNotFound, $"No location has code '{code}'.")
            : TypedResults.Ok(location);
    }

    public static async Task<Results<Created<LocationSummary>, ProblemHttpResult>> CreateLocation(
        CreateLocationRequest request, InventoryDbContext db, TimeProvider time, CancellationToken ct)
    {
        if (await LocationQueries.CreateAsync(db, time, request, ct) is not { } location)
        {
            return Problems.Result(Problems.DuplicateLocation,
                $"Location code '{request.Code}' is taken (codes are unique regardless of case).");
        }
        return TypedResults.Created($"/api/locations/{Uri.EscapeDataString(location.Code)}", location);
    }
}
