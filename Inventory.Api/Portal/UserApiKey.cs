using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Inventory.Api.Portal;

/// <summary>
/// A personal API key: only its SHA-256 and a short visible prefix are stored. It acts as its user, with the lower
/// of its own scope and the user's current role; revoked, expired or of a disabled user, it authenticates nothing.
/// </summary>
public sealed class UserApiKey
{
    public const int NameLength = 64;

    public long Id { get; set; }

    public string UserId { get; set; } = "";

    public PortalUser? User { get; set; }

    public string Name { get; set; } = "";

    /// <summary>The key's first characters, shown so its owner can tell keys apart.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 bytes.</summary>
    public string Sha256 { get; set; } = "";

    /// <summary>The most the key may do; the user's current role may allow less.</summary>
    public string Scope { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}

internal sealed class UserApiKeyConfiguration : IEntityTypeConfiguration<UserApiKey>
{
    public void Configure(EntityTypeBuilder<UserApiKey> builder)
    {
        builder.ToTable("user_api_keys");
        builder.Property(k => k.Id).HasColumnName("id");
        builder.Property(k => k.UserId).HasColumnName("user_id");
        builder.Property(k => k.Name).HasColumnName("name").HasMaxLength(UserApiKey.NameLength);
        builder.Property(k => k.Prefix).HasColumnName("prefix").HasMaxLength(16);
        builder.Property(k => k.Sha256).HasColumnName("sha256").HasMaxLength(64);
        builder.Property(k => k.Scope).HasColumnName("scope").HasMaxLength(16);
        builder.Property(k => k.CreatedAt).HasColumnName("created_at");
        builder.Property(k => k.LastUsedAt).HasColumnName("last_used_at");
        builder.Property(k => k.ExpiresAt).HasColumnName("expires_at");
        builder.Property(k => k.RevokedAt).HasColumnName("revoked_at");
        builder.HasIndex(k => k.Sha256).IsUnique();
        builder.HasIndex(k => k.UserId);
        builder.HasOne(k => k.User).WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
