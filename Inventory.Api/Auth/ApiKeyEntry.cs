namespace Inventory.Api.Auth;

public sealed class ApiKeyEntry
{
    /// <summary>Who the key belongs to; recorded as the <c>actor</c> of the movements it makes.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// <see cref="ApiRoles.Reader"/>, <see cref="ApiRoles.Operator"/> or <see cref="ApiRoles.Admin"/>.
    /// </summary>
    public string? Role { get; set; }

    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 bytes (<c>printf %s "$KEY" | sha256sum</c>).</summary>
    public string? Sha256 { get; set; }
}
