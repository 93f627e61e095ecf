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
            .WithTags("Operations")
            .WithSummary("The running build's version and commit")
            .WithDescription("Needs no API key. The deploy gate compares the version with the tag it deployed; a "
                + "plain local build reports dev and unknown.");
        return app;
    }

    public static Ok<BuildInfo> GetVersion() => TypedResults.Ok(BuildInfo.Current);
}
