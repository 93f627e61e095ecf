namespace Inventory.Api.Auth;

/// <summary>Authorization policies, one per route class.</summary>
public static class ApiPolicies
{
    /// <summary>Every GET under <c>/api</c>.</summary>
    public const string Read = "read";

    /// <summary>Stock movements.</summary>
    public const string MoveStock = "move-stock";

    /// <summary>Items, locations, import.</summary>
    public const string ManageCatalogue = "manage-catalogue";
}
