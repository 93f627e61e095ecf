namespace Inventory.Api.Portal;

/// <summary>
/// The portal's authorization policies, on its cookie scheme only (an API key never opens a page, a cookie never an
/// <c>/api</c> call). Roles are the API's: Reader ⊂ Operator ⊂ Admin.
/// </summary>
public static class PortalPolicies
{
    /// <summary>Every signed-in user: Reader, Operator or Admin.</summary>
    public const string Read = "portal-read";

    /// <summary>Receive, issue, transfer, count: Operator or Admin.</summary>
    public const string MoveStock = "portal-move-stock";

    /// <summary>Items, locations, import: Admin.</summary>
    public const string ManageCatalogue = "portal-manage-catalogue";

    /// <summary>Users and their roles: Admin.</summary>
    public const string ManageUsers = "portal-manage-users";
}
