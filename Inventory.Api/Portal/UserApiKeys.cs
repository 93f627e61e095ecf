using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Inventory.Api.Auth;
using Inventory.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Api.Portal;

/// <summary>
/// Personal API keys ("My API keys"). A key is <see cref="KeyPrefix"/> plus 40 random characters; the configured
/// keys are compared first, in memory, and only a value with this prefix costs a database lookup.
/// </summary>
public sealed class UserApiKeys(InventoryDbContext db, TimeProvider time)
{
    /// <summary>Marks a personal key, so every other value skips the database.</summary>
    public const string KeyPrefix = "invu_";

    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const int VisiblePrefixLength = 12;
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public static bool LooksLikeUserKey(string presented) =>
        presented.StartsWith(KeyPrefix, StringComparison.Ordinal);

    /// <summary>The actor a key's requests are recorded as: the person, and the key they came through.</summary>
    public static string Actor(string userName, string keyName) => $"{userName} via key {keyName}";

    public Task<List<UserApiKey>> ListAsync(string userId, CancellationToken ct) =>
        db.UserApiKeys.AsNoTracking().Where(k => k.UserId == userId)
            .OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Id).ToListAsync(ct);

    /// <summary>A new key; its value is returned once and never stored.</summary>
    public async Task<(UserApiKey Key, string Value)> CreateAsync(
        string userId, string name, string scope, DateTimeOffset? expiresAt, CancellationToken ct)
    {
        var value = KeyPrefix + RandomNumberGenerator.GetString(Alphabet, 40);
        var key = new UserApiKey
        {
            UserId = userId,
            Name = name.Trim(),
            Prefix = value[..VisiblePrefixLength],
            Sha256 = Hash(value),
            Scope = scope,
            CreatedAt = time.GetUtcNow(),
            ExpiresAt = expiresAt,
        };
        db.UserApiKeys.Add(key);
        await db.SaveChangesAsync(ct);
        return (key, value);
    }

    /// <summary>Revokes one of <paramref name="userId"/>'s keys; the next request with it is refused.</summary>
    public async Task<bool> RevokeAsync(string userId, long keyId, CancellationToken ct) =>
        await db.UserApiKeys.Where(k => k.Id == keyId && k.UserId == userId && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, time.GetUtcNow()), ct) == 1;

    /// <summary>
    /// The principal a presented key acts as, or null: unknown, revoked, expired, its user disabled or without a role.
    /// </summary>
    public async Task<ClaimsPrincipal?> AuthenticateAsync(string presented, CancellationToken ct)
    {
        var hash = Hash(presented);
        var now = time.GetUtcNow();
        var found = await db.UserApiKeys.AsNoTracking()
            .Where(k => k.Sha256 == hash && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now))
            .Select(k => new
            {
                k.Id,
                k.Name,
                k.Scope,
                k.LastUsedAt,
                UserName = k.User!.UserName,
                k.User.IsDisabled,
                Roles = db.UserRoles.Where(ur => ur.UserId == k.UserId)
                    .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name).ToList(),
            })
            .SingleOrDefaultAsync(ct);
        if (found is null || found.IsDisabled || found.UserName is null)
        {
            return null;
        }
        var role = Lower(found.Scope, found.Roles.OfType<string>().Where(ApiRoles.IsKnown).MaxBy(Rank));
        if (role is null)
        {
            return null;
        }
        if (found.LastUsedAt is null || now - found.LastUsedAt > LastUsedResolution)
        {
            // At most one write a minute per key: "last used" is for people, not an audit log.
            await db.UserApiKeys.Where(k => k.Id == found.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), ct);
        }
        var identity = new ClaimsIdentity(ApiKeyAuthenticationHandler.SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, Actor(found.UserName, found.Name)));
        foreach (var included in ApiRoles.Including(role))
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, included));
        }
        return new ClaimsPrincipal(identity);
    }

    /// <summary>The roles at most <paramref name="role"/>, highest first: what a key of this user may be scoped to.</summary>
    public static IReadOnlyList<string> ScopesFor(string role) =>
        ApiRoles.IsKnown(role) ? ApiRoles.Including(role) : [];

    private static string? Lower(string scope, string? userRole) =>
        userRole is null || !ApiRoles.IsKnown(scope) ? null
        : Rank(scope) <= Rank(userRole) ? scope : userRole;

    private static int Rank(string? role) => role switch
    {
        ApiRoles.Admin => 3,
        ApiRoles.Operator => 2,
        ApiRoles.Reader => 1,
        _ => 0,
    };

    private static string Hash(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
