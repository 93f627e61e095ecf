using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Inventory.Api.Data;

public sealed class Item
{
    public long Id { get; set; }
    public required string Sku { get; set; }
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class ItemConfiguration : IEntityTypeConfiguration<Item>
{
    public void Configure(EntityTypeBuilder<Item> builder)
    {
        builder.ToTable("items");
        builder.Property(i => i.Id).HasColumnName("id");
        builder.Property(i => i.Sku).HasColumnName("sku").HasMaxLength(64);
        builder.Property(i => i.Name).HasColumnName("name").HasMaxLength(200);
        builder.Property(i => i.CreatedAt).HasColumnName("created_at");
        builder.Property(i => i.UpdatedAt).HasColumnName("updated_at");
        builder.HasIndex(i => i.Sku).IsUnique();
    }
}
