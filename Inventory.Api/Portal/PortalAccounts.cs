using System.Security.Cryptography;
using Inventory.Api.Auth;
using Microsoft.AspNetCore.Identity;

namespace Inventory.Api.Portal;

/// <summary>
/// What an admin does to accounts. A password an admin gives out is random, shown once, and must be changed at the
/// next sign-in; disabling, a new role or a reset changes the security stamp, so open sessions end at the next request.
/// </summary>
public sealed class PortalAccounts(UserManager<PortalUser> users)
{
    private const string PasswordAlphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    /// <summary>A new user in <paramref name="role"/> and the one-time password to hand over; or why not.</summary>
    public async Task<(PortalUser? User, string? Password, string? Error)> CreateAsync(string userName, string role)
    {
        if (!ApiRoles.IsKnown(role))
        {
            return (null, null, $"'{role}' is not a role: choose Reader, Operator or Admin.");
        }
        var user = new PortalUser { UserName = userName.Trim(), MustChangePassword = true };
        var password = NewPassword();
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return (null, null, Describe(created));
        }
        var added = await users.AddToRoleAsync(user, role);
        return added.Succeeded ? (user, password, null) : (null, null, Describe(added));
    }

    /// <summary>The user's one role (<c>none</c> if they have none).</summary>
    public async Task<string> RoleOfAsync(PortalUser user) =>
        (await users.GetRolesAsync(user)).FirstOrDefault() ?? "none";

    public async Task<string?> ChangeRoleAsync(PortalUser user, string role)
    {
        if (!ApiRoles.IsKnown(role))
        {
            return $"'{role}' is not a role: choose Reader, Operator or Admin.";
        }
        var current = await users.GetRolesAsync(user);
        var removed = await users.RemoveFromRolesAsync(user, current);
        if (!removed.Succeeded)
        {
            return Describe(removed);
        }
        var added = await users.AddToRoleAsync(user, role);
        if (!added.Succeeded)
        {
            return Describe(added);
        }
        await users.UpdateSecurityStampAsync(user);
        return null;
    }

    public async Task<string?> SetDisabledAsync(PortalUser user, bool disabled)
    {
        user.IsDisabled = disabled;
        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded)
        {
            return Describe(updated);
        }
        await users.UpdateSecurityStampAsync(user);
        return null;
    }

    /// <summary>A new one-time password for <paramref name="user"/>, who must change it at the next sign-in.</summary>
    public async Task<(string? Password, string? Error)> ResetPasswordAsync(PortalUser user)
    {
        var password = NewPassword();
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var reset = await users.ResetPasswordAsync(user, token, password);
        if (!reset.Succeeded)
        {
            return (null, Describe(reset));
        }
        user.MustChangePassword = true;
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        var updated = await users.UpdateAsync(user);
        return updated.Succeeded ? (password, null) : (null, Describe(updated));
    }

    /// <summary>Four groups of five characters without look-alikes (0/O, 1/l/I): easy to read out, ~114 bits.</summary>
    internal static string NewPassword() =>
        string.Join('-', Enumerable.Range(0, 4).Select(_ => RandomNumberGenerator.GetString(PasswordAlphabet, 5)));

    private static string Describe(IdentityResult result) =>
        string.Join(" ", result.Errors.Select(e => e.Description));
}
