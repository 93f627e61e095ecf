using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inventory.Api.Portal;

/// <summary>
/// Ends a portal session at once when its user was disabled or their security stamp changed (password, role, reset,
/// disable all change it): one indexed read of the stamp per request, straight on the pool. Identity's own validator
/// at interval zero reloaded the user and roles and re-issued the cookie on every request, which cost most of a
/// page's time; it still runs, once its interval has passed, to refresh the claims. See "Portal" and "Decision: the
/// portal's hot page renders its rows as markup" in Inventory.Api/README.md.
/// </summary>
internal static class PortalSessionCheck
{
    // The columns of the PortalAccounts migration; every signed-in page test reads through here.
    private const string SessionSql =
        """SELECT "SecurityStamp", "IsDisabled" FROM "AspNetUsers" WHERE "Id" = $1""";

    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        var services = context.HttpContext.RequestServices;
        var claimTypes = services.GetRequiredService<IOptions<IdentityOptions>>().Value.ClaimsIdentity;
        var principal = context.Principal;
        var id = principal?.FindFirstValue(claimTypes.UserIdClaimType);
        var stamp = principal?.FindFirstValue(claimTypes.SecurityStampClaimType);
        if (id is null || !await IsCurrentAsync(services.GetRequiredService<NpgsqlDataSource>(), id, stamp,
                context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
            return;
        }
        if (IsDueForRefresh(context, services))
        {
            await SecurityStampValidator.ValidatePrincipalAsync(context);
        }
    }

    private static async Task<bool> IsCurrentAsync(NpgsqlDataSource database, string id, string? stamp,
        CancellationToken ct)
    {
        await using var command = database.CreateCommand(SessionSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            && !reader.GetBoolean(1)
            && string.Equals(reader.IsDBNull(0) ? null : reader.GetString(0), stamp, StringComparison.Ordinal);
    }

    // Identity's validator does nothing before its interval has passed, but resolving it builds a UserManager and a
    // SignInManager on every request: ask it only when it has something to do.
    private static bool IsDueForRefresh(CookieValidatePrincipalContext context, IServiceProvider services)
    {
        var interval = services.GetRequiredService<IOptions<SecurityStampValidatorOptions>>().Value.ValidationInterval;
        var issued = context.Properties.IssuedUtc;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        return issued is null || now - issued.Value > interval;
    }
}
