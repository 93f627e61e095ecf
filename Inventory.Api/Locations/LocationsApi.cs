using Inventory.Api.Auth;
using Inventory.Api.Data;
using Inventory.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

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
            .WithDescription("The location and each item it holds a positive quantity of, by SKU.")
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
        TypedResults.Ok(await db.Locations.AsNoTracking().OrderBy(l => l.CodeKey)
            .Select(l => new LocationSummary(l.Code, l.Name, l.CreatedAt)).ToListAsync(ct));

    public static async Task<Results<Ok<LocationResponse>, ProblemHttpResult>> GetLocation(
        string code, InventoryDbContext db, CancellationToken ct)
    {
        var key = CodeKey.Of(code);
        var location = await db.Locations.AsNoTracking().Where(l => l.CodeKey == key).Select(l => new
        {
            l.Code,
            l.Name,
            l.CreatedAt,
            Stock = db.StockLevels.Where(s => s.LocationId == l.Id && s.Quantity > 0).OrderBy(s => s.Item.SkuKey)
                .Select(s => new ItemAtLocation(s.Item.Sku, s.Item.Name, s.Quantity)).ToList(),
        }).SingleOrDefaultAsync(ct);
        return location is null
            ? Problems.Result(Problems.LocationNotFound, $"No location has code '{code}'.")
            : TypedResults.Ok(new LocationResponse(location.Code, location.Name, location.CreatedAt, location.Stock));
    }

    public static async Task<Results<Created<LocationSummary>, ProblemHttpResult>> CreateLocation(
        CreateLocationRequest request, InventoryDbContext db, TimeProvider time, CancellationToken ct)
    {
        var location = new Location { Code = request.Code!, Name = request.Name!, CreatedAt = time.DatabaseNow() };
        db.Locations.Add(location);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (PostgresErrors.IsUniqueViolation(ex))
        {
            return Problems.Result(Problems.DuplicateLocation,
                $"Location code '{request.Code}' is taken (codes are unique regardless of case).");
        }
        return TypedResults.Created($"/api/locations/{Uri.EscapeDataString(location.Code)}",
            new LocationSummary(location.Code, location.Name, location.CreatedAt));
    }
}