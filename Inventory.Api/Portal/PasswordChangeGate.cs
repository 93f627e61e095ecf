using Microsoft.AspNetCore.Components.Endpoints;

namespace Inventory.Api.Portal;

/// <summary>
/// A user who must change their password sees only the password page: any other portal page redirects there.
/// Runs after authorization, when a page's policy has put the cookie's user on the request.
/// </summary>
internal sealed class PasswordChangeGate(RequestDelegate next)
{
    public const string PasswordPath = "/account/password";

    public Task InvokeAsync(HttpContext context)
    {
        if (context.User.HasClaim(c => c.Type == PortalClaimsFactory.MustChangePasswordClaim)
            && context.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>() is not null
            && !context.Request.Path.StartsWithSegments(PasswordPath, StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Redirect(PasswordPath);
            return Task.CompletedTask;
        }
        return next(context);
    }
}
