using Inventory.Api.Auth;
using Inventory.Api.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Inventory.Api.Portal;

/// <summary>
/// At start, under the migrator's lock: the three roles, and the first admin when no user exists yet
/// (<c>Portal__InitialAdmin__*</c>), who must change the password at first sign-in.
/// </summary>
internal sealed partial class PortalAccountsSeeder(
    UserManager<PortalUser> users,
    RoleManager<IdentityRole> roles,
    IOptions<PortalOptions> options,
    ILogger<PortalAccountsSeeder> logger) : IDatabaseSeeder
{
    public async Task SeedAsync(CancellationToken ct)
    {
        foreach (var role in new[] { ApiRoles.Reader, ApiRoles.Operator, ApiRoles.Admin })
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)), $"create the role {role}");
            }
        }

        var admin = options.Value.InitialAdmin;
        if (string.IsNullOrWhiteSpace(admin.UserName) || string.IsNullOrEmpty(admin.Password)
            || await users.Users.AnyAsync(ct))
        {
            return;
        }
        var user = new PortalUser { UserName = admin.UserName.Trim(), MustChangePassword = true };
        Check(await users.CreateAsync(user, admin.Password),
            "create the initial admin from Portal__InitialAdmin__UserName / Portal__InitialAdmin__Password");
        Check(await users.AddToRoleAsync(user, ApiRoles.Admin), "make the initial admin an Admin");
        LogInitialAdminCreated(logger, user.UserName);
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                $"Could not {what}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "No portal user existed: created the initial admin '{UserName}' (must change the password).")]
    private static partial void LogInitialAdminCreated(ILogger logger, string userName);
}
