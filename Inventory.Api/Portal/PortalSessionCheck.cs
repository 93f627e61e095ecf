using System.Security.Claims;
using Inventory.Api.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Inventory.Api.Portal;

/// <summary>
/// Ends a portal session at once when its user was disabled or their security stamp changed (password, role, reset,
/// disable all change it): one indexed read of the stamp per request. Identity's own validator at interval zero
/// reloaded the user and roles and re-issued the cookie on every request, which cost most of a page's time; it
/// still runs, at its default interval, to refresh the claims. See "Portal" in Inventory.Api/README.md.
/// </summary>
internal static class PortalSessionCheck
{
    private static readonly Func<InventoryDbContext, string, CancellationToken, Task<UserSession?>> ReadSession =
        EF.CompileAsyncQuery((InventoryDbContext db, string id, CancellationToken _) => db.Users
            .Where(u => u.Id == id)
            .Select(u => new UserSession(u.SecurityStamp, u.IsDisabled))
            .FirstOrDefault());

    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        var services = context.HttpContext.RequestServices;
        var claimTypes = services.GetRequiredService<IOptions<IdentityOptions>>().Value.ClaimsIdentity;
        var principal = context.Principal;
        var id = principal?.FindFirstValue(claimTypes.UserIdClaimType);
        var stamp = principal?.FindFirstValue(claimTypes.SecurityStampClaimType);
        var session = id is null
            ? null
            : await ReadSession(services.GetRequiredService<InventoryDbContext>(), id,
                context.HttpContext.RequestAborted);
        if (session is null || session.IsDisabled
            || !string.Equals(session.SecurityStamp, stamp, StringComparison.Ordinal))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
            return;
        }
        await SecurityStampValidator.ValidatePrincipalAsync(context);
    }

    private sealed record UserSession(string? SecurityStamp, bool IsDisabled);
}
