using Microsoft.AspNetCore.Http.HttpResults;

namespace Inventory.Api.Versioning;

internal static class VersionApi
{
    /// <summary>
    /// <c>GET /version</c>: which build answers. The deploy gate compares it with the tag it deployed.
    /// </summary>
    public static IEndpointRouteBuilder MapVersionApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/version", GetVersion)
            .WithName("GetVersion")
            .WithTags("Operations");
        return app;
    }

    public static Ok<BuildInfo> GetVersion() => TypedResults.Ok(BuildInfo.Current);
}
