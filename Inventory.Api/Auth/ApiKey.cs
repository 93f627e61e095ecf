using System.Security.Claims;

namespace Inventory.Api.Auth;

/// <summary>
/// A configured key, ready to compare: its SHA-256 bytes and the principal a request presenting it is given — its
/// name, and a role claim for its own role and every role it includes (<see cref="ApiRoles.Including"/>), so each
/// policy asks for one role. Built once, at start-up, and shared by every request with that key; nothing in the API
/// changes a principal once authenticated.
/// </summary>
internal sealed class ApiKey
{
    public ApiKey(string name, string role, byte[] sha256)
    {
        Sha256 = sha256;
        var identity = new ClaimsIdentity(ApiKeyAuthenticationHandler.SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, name));
        foreach (var included in ApiRoles.Including(role))
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, included));
        }
        Principal = new ClaimsPrincipal(identity);
    }

    public byte[] Sha256 { get; }

    public ClaimsPrincipal Principal { get; }
}
