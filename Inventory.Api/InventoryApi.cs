using Inventory.Api.Auth;
using Inventory.Api.Items;
using Inventory.Api.Locations;
using Inventory.Api.RateLimiting;
using Inventory.Api.Reports;
using Inventory.Api.Stock;

namespace Inventory.Api;

internal static class InventoryApi
{
    /// <summary>
    /// Everything under <c>/api</c>: a known key at least a Reader's (each endpoint may ask for more), the key's rate
    /// limit, and the failures every route can answer with.
    /// </summary>
    public static WebApplication MapInventoryApi(this WebApplication app)
    {
        var api = app.MapGroup("/api")
            .RequireAuthorization(ApiPolicies.Read)
            .RequireRateLimiting(ApiRateLimiting.PerApiKeyPolicy)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        api.MapItemsApi();
        api.MapLocationsApi();
        api.MapStockApi();
        api.MapReportsApi();
        return app;
    }
}
