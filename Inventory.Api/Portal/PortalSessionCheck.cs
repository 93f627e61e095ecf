using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inventory.Api.Portal;

/// <summary>
/// Ends a portal session at once when its user was disabled or their security stamp changed (password, role, reset,
/// disable all change it). The stamp comes from memory while changes are heard (<see cref="SessionStamps"/>), else
/// from one indexed read straight on the pool. Identity's own validator at interval zero reloaded the user and roles
/// and re-issued the cookie on every request, which cost most of a page's time; it still runs, once its interval has
/// passed, to refresh the claims. See "Portal", "Decision: the portal's hot page renders its rows as markup" and
/// "Decision: session stamps kept in memory, ended by NOTIFY" in Inventory.Api/README.md.
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
        if (id is null || !await IsCurrentAsync(services, id, stamp, context.HttpContext.RequestAborted))
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

    private static async Task<bool> IsCurrentAsync(IServiceProvider services, string id, string? stamp,
        CancellationToken ct)
    {
        var stamps = services.GetRequiredService<SessionStamps>();
        if (!stamps.TryGet(id, out var session))
        {
            var readAt = stamps.Version;
            session = await ReadAsync(services.GetRequiredService<NpgsqlDataSource>(), id, ct);
            stamps.Remember(id, session, readAt);
        }
        return session.Active && string.Equals(session.Stamp, stamp, StringComparison.Ordinal);
    }

    private static async Task<SessionState> ReadAsync(NpgsqlDataSource database, string id, CancellationToken ct)
    {
        await using var command = database.CreateCommand(SessionSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new SessionState(reader.IsDBNull(0) ? null : reader.GetString(0), Active: !reader.GetBoolean(1))
            : new SessionState(null, Active: false);
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
