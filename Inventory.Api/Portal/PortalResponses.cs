using System.Diagnostics;
using Inventory.Api.Portal.Pages.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace Inventory.Api.Portal;

/// <summary>
/// For portal requests only: the security headers (a Content-Security-Policy without inline script, no framing, no
/// referrer to other sites, no MIME sniffing), and a page instead of an empty error — 404 and 405 say what happened,
/// an unexpected failure shows its trace id (never a raw 500 or a JSON problem in the browser).
/// </summary>
internal sealed partial class PortalResponses(RequestDelegate next, ILogger<PortalResponses> logger)
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!PortalRequests.IsPortal(context.Request))
        {
            await next(context);
            return;
        }
        context.Response.OnStarting(AddSecurityHeaders, context);
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var traceId = Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
            LogPageFailed(logger, ex, context.Request.Path, traceId);
            context.Response.Clear();
            await RenderErrorAsync(context, StatusCodes.Status500InternalServerError, traceId);
            return;
        }
        if (context.Response.StatusCode is StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed
            && !context.Response.HasStarted && context.Response.ContentLength is null
            && string.IsNullOrEmpty(context.Response.ContentType))
        {
            await RenderErrorAsync(context, context.Response.StatusCode, traceId: null);
        }
    }

    private static Task AddSecurityHeaders(object state)
    {
        var headers = ((HttpContext)state).Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers["Referrer-Policy"] = "same-origin";
        headers.XContentTypeOptions = "nosniff";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        if (((HttpContext)state).Response.ContentType?.StartsWith("text/html", StringComparison.Ordinal) == true)
        {
            // Pages show a person's data: not kept in shared caches, nor shown again by Back after signing out.
            headers.CacheControl = "no-store";
        }
        return Task.CompletedTask;
    }

    private static async Task RenderErrorAsync(HttpContext context, int status, string? traceId)
    {
        // The page's layout shows the navigation to a signed-in user, whose cookie no policy has read yet.
        var signedIn = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (signedIn.Succeeded)
        {
            context.User = signedIn.Principal;
        }
        var page = new RazorComponentResult<ErrorDocument>(new { StatusCode = status, TraceId = traceId })
        {
            StatusCode = status,
        };
        await page.ExecuteAsync(context);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error,
        Message = "A portal page failed: {Path} (trace id {TraceId}).")]
    private static partial void LogPageFailed(ILogger logger, Exception exception, PathString path, string traceId);
}
