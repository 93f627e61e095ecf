using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Inventory.Api.Data;

/// <summary>
/// A catalogue entry. Its stock lives in <see cref="StockLevel"/> rows, changed only by the stock ledger.
/// </summary>
public sealed class Item
{
    /// <summary>The unit of an item created or updated without one.</summary>
    public const string DefaultUnit = "pcs";

    public long Id { get; set; }

    /// <summary>As the client gave it; unique case-insensitively through <see cref="SkuKey"/>.</summary>
    public required string Sku { get; set; }

    /// <summary><c>lower(sku)</c>, computed by PostgreSQL: the unique, case-insensitive lookup and sort key.</summary>
    public string SkuKey { get; private set; } = "";

    public required string Name { get; set; }
    public string? Description { get; set; }
    public string? Category { get; set; }
    public required string Unit { get; set; }
    public int ReorderPoint { get; set; }
    public bool Archived { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>PostgreSQL's <c>xmin</c>: changes with every update of the row; the item's ETag.</summary>
    public uint Version { get; set; }

    public List<StockLevel> StockLevels { get; } = [];
}

internal sealed class ItemConfiguration : IEntityTypeConfiguration<Item>
{
    public void Configure(EntityTypeBuilder<Item> builder)
    {
        builder.ToTable("items", t => t.HasCheckConstraint("ck_items_reorder_point", "reorder_point >= 0"));
        builder.Property(i => i.Id).HasColumnName("id");
        builder.Property(i => i.Sku).HasColumnName("sku").HasMaxLength(Limits.CodeLength);
        builder.Property(i => i.SkuKey).HasColumnName("sku_key").HasMaxLength(Limits.CodeLength)
            .HasComputedColumnSql("lower(sku)", stored: true);
        builder.Property(i => i.Name).HasColumnName("name").HasMaxLength(Limits.NameLength);
        builder.Property(i => i.Description).HasColumnName("description").HasMaxLength(Limits.DescriptionLength);
        builder.Property(i => i.Category).HasColumnName("category").HasMaxLength(Limits.CategoryLength);
        builder.Property(i => i.Unit).HasColumnName("unit").HasMaxLength(Limits.UnitLength);
        builder.Property(i => i.ReorderPoint).HasColumnName("reorder_point");
        builder.Property(i => i.Archived).HasColumnName("archived");
        builder.Property(i => i.CreatedAt).HasColumnName("created_at");
        builder.Property(i => i.UpdatedAt).HasColumnName("updated_at");
        builder.Property(i => i.Version).IsRowVersion();
        builder.HasIndex(i => i.SkuKey).IsUnique();
        builder.HasIndex(i => new { i.Name, i.Id });
    }
}
