namespace Inventory.Api.Portal;

/// <summary>Which requests are the portal's: everything but the API, its documentation and the probes.</summary>
internal static class PortalRequests
{
    private static readonly PathString[] NotPortal =
        ["/api", "/health", "/alive", "/version", "/openapi", "/scalar"];

    public static bool IsPortal(HttpRequest request)
    {
        foreach (var prefix in NotPortal)
        {
            if (request.Path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }
        return true;
    }
}
