using Inventory.Api.Auth;
using Inventory.Api.Data;
using Inventory.Api.Http;
using Inventory.Api.Paging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Locations;

internal static class LocationsApi
{
    private const string StockCursorScope = "location-stock";

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
        TypedResults.Ok(await db.Locations.AsNoTracking().OrderBy(l => l.CodeKey)
            .Select(l => new LocationSummary(l.Code, l.Name, l.CreatedAt)).ToListAsync(ct));

    public static async Task<Results<Ok<LocationResponse>, ProblemHttpResult, ValidationProblem>> GetLocation(
        string code, [AsParameters] PageQuery page, InventoryDbContext db, CancellationToken ct)
    {
        if (!KeysetCursor.TryDecode(page.Cursor, StockCursorScope, out var after))
        {
            return KeysetCursor.Invalid();
        }
        var key = CodeKey.Of(code);
        var location = await db.Locations.AsNoTracking().Where(l => l.CodeKey == key)
            .Select(l => new { l.Id, l.Code, l.Name, l.CreatedAt }).SingleOrDefaultAsync(ct);
        if (location is null)
        {
            return Problems.Result(Problems.LocationNotFound, $"No location has code '{code}'.");
        }

        var limit = page.Limit ?? PageQuery.DefaultLimit;
        var held = db.StockLevels.AsNoTracking().Where(s => s.LocationId == location.Id && s.Quantity > 0);
        if (after is not null)
        {
            // Why: see "Decision: keyset paging with a row comparison" in Inventory.Api/README.md.
            held = held.Where(s => EF.Functions.GreaterThan(
                ValueTuple.Create(s.Item.SkuKey, s.ItemId), ValueTuple.Create(after.Key, after.Id)));
        }
        var rows = await held.OrderBy(s => s.Item.SkuKey).ThenBy(s => s.ItemId).Take(limit + 1)
            .Select(s => new { s.Item.SkuKey, s.ItemId, Row = new ItemAtLocation(s.Item.Sku, s.Item.Name, s.Quantity) })
            .ToListAsync(ct);
        var next = rows.Count > limit
            ? KeysetCursor.Encode(StockCursorScope, rows[limit - 1].SkuKey, rows[limit - 1].ItemId)
            : null;
        return TypedResults.Ok(new LocationResponse(location.Code, location.Name, location.CreatedAt,
            rows.Take(limit).Select(r => r.Row).ToList(), next));
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