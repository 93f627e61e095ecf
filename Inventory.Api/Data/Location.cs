using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Inventory.Api.Data;

/// <summary>A warehouse or a bin: somewhere stock is held.</summary>
public sealed class Location
{
    public long Id { get; set; }

    /// <summary>As the client gave it; unique case-insensitively through <see cref="CodeKey"/>.</summary>
    public required string Code { get; set; }

    /// <summary><c>lower(code)</c>, computed by PostgreSQL.</summary>
    public string CodeKey { get; private set; } = "";

    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class LocationConfiguration : IEntityTypeConfiguration<Location>
{
    public void Configure(EntityTypeBuilder<Location> builder)
    {
        builder.ToTable("locations");
        builder.Property(l => l.Id).HasColumnName("id");
        builder.Property(l => l.Code).HasColumnName("code").HasMaxLength(Limits.CodeLength);
        builder.Property(l => l.CodeKey).HasColumnName("code_key").HasMaxLength(Limits.CodeLength)
            .HasComputedColumnSql("lower(code)", stored: true);
        builder.Property(l => l.Name).HasColumnName("name").HasMaxLength(Limits.NameLength);
        builder.Property(l => l.CreatedAt).HasColumnName("created_at");
        builder.HasIndex(l => l.CodeKey).IsUnique();
    }
}
