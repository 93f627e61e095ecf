using Microsoft.AspNetCore.Identity;

namespace Inventory.Api.Portal;

/// <summary>A person who signs in to the portal; holds exactly one of <see cref="Auth.ApiRoles"/>.</summary>
public sealed class PortalUser : IdentityUser
{
    /// <summary>A first admin, or a password an admin gave out: every page leads to the password change.</summary>
    public bool MustChangePassword { get; set; }

    /// <summary>A disabled user can neither sign in nor keep a session, and their API keys stop working.</summary>
    public bool IsDisabled { get; set; }
}
