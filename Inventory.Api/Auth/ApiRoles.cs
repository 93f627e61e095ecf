namespace Inventory.Api.Auth;

/// <summary>
/// Roles, each including the ones before it: Reader reads, Operator also moves stock, Admin also edits the catalogue.
/// </summary>
public static class ApiRoles
{
    public const string Reader = "Reader";
    public const string Operator = "Operator";
    public const string Admin = "Admin";

    public static bool IsKnown(string? role) => role is Reader or Operator or Admin;

    /// <summary>A known role and the roles it includes, itself first: Admin is also an Operator and a Reader.</summary>
    public static IReadOnlyList<string> Including(string role) => role switch
    {
        Reader => [Reader],
        Operator => [Operator, Reader],
        Admin => [Admin, Operator, Reader],
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Not a known role."),
    };
}
