namespace Inventory.Api.Portal;

/// <summary>The portal's settings (<c>Portal__…</c>).</summary>
public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>The first admin, created at start when no user exists; ignored once any user exists.</summary>
    public InitialAdminOptions InitialAdmin { get; set; } = new();
}

/// <summary><c>Portal__InitialAdmin__UserName</c> and <c>Portal__InitialAdmin__Password</c>.</summary>
public sealed class InitialAdminOptions
{
    public string? UserName { get; set; }

    public string? Password { get; set; }
}
