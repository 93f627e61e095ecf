namespace Inventory.Api.Portal;

/// <summary>
/// A user who must change their password sees only the password page: any other portal page or download redirects
/// there (signing out stays possible). Runs after authorization, when a portal policy has put the cookie's user on
/// the request; an /api request carries a key's principal, never this claim.
/// </summary>
internal sealed class PasswordChangeGate(RequestDelegate next)
{
    public const string PasswordPath = "/account/password";
    private const string SignOutPath = "/account/signout";

    public Task InvokeAsync(HttpContext context)
    {
        if (context.User.HasClaim(c => c.Type == PortalClaimsFactory.MustChangePasswordClaim)
            && !context.Request.Path.StartsWithSegments(PasswordPath, StringComparison.OrdinalIgnoreCase)
            && !context.Request.Path.StartsWithSegments(SignOutPath, StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Redirect(PasswordPath);
            return Task.CompletedTask;
        }
        return next(context);
    }
}
