using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Inventory.Api.Data;

/// <summary>
/// How many units of an item a location holds. Written only by <c>StockLedger</c>, always in the transaction that
/// records the matching movement; the check constraint is the last line of defence against negative stock.
/// </summary>
public sealed class StockLevel
{
    public long ItemId { get; set; }
    public long LocationId { get; set; }
    public long Quantity { get; set; }
    public Item Item { get; set; } = null!;
    public Location Location { get; set; } = null!;
}

internal sealed class StockLevelConfiguration : IEntityTypeConfiguration<StockLevel>
{
    public void Configure(EntityTypeBuilder<StockLevel> builder)
    {
        builder.ToTable("stock_levels", t => t.HasCheckConstraint("ck_stock_levels_quantity", "quantity >= 0"));
        builder.HasKey(s => new { s.ItemId, s.LocationId });
        builder.Property(s => s.ItemId).HasColumnName("item_id");
        builder.Property(s => s.LocationId).HasColumnName("location_id");
        builder.Property(s => s.Quantity).HasColumnName("quantity");
        builder.HasOne(s => s.Item).WithMany(i => i.StockLevels).HasForeignKey(s => s.ItemId)
            .OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(s => s.Location).WithMany().HasForeignKey(s => s.LocationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(s => s.LocationId);
    }
}
