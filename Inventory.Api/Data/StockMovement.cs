using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Inventory.Api.Data;

/// <summary>
/// One line of the append-only stock ledger. For every (item, location) the signed sum of its movements equals
/// the <see cref="StockLevel"/> quantity: receipts add, issues subtract, a transfer subtracts at
/// <see cref="LocationId"/> and adds at <see cref="ToLocationId"/>, a count adds its signed difference.
/// </summary>
public sealed class StockMovement
{
    public long Id { get; set; }
    public required string Type { get; set; }
    public long ItemId { get; set; }

    /// <summary>Where stock changed; the source of a transfer.</summary>
    public long LocationId { get; set; }

    /// <summary>The destination of a transfer; null otherwise.</summary>
    public long? ToLocationId { get; set; }

    /// <summary>Units moved (≥ 1); for a count, the signed difference it recorded.</summary>
    public long Quantity { get; set; }

    public long? CountedQuantity { get; set; }

    /// <summary>Quantity at <see cref="LocationId"/> right after this movement.</summary>
    public long OnHandAfter { get; set; }

    /// <summary>Quantity at <see cref="ToLocationId"/> right after a transfer.</summary>
    public long? ToOnHandAfter { get; set; }

    public required string Actor { get; set; }
    public DateTimeOffset At { get; set; }
    public string? Reason { get; set; }
    public string? Reference { get; set; }

    public Item Item { get; set; } = null!;
    public Location Location { get; set; } = null!;
    public Location? ToLocation { get; set; }
}

internal sealed class StockMovementConfiguration : IEntityTypeConfiguration<StockMovement>
{
    public void Configure(EntityTypeBuilder<StockMovement> builder)
    {
        builder.ToTable("stock_movements", t =>
        {
            t.HasCheckConstraint("ck_stock_movements_type",
                $"type IN ('{MovementTypes.Receipt}', '{MovementTypes.Issue}', "
                + $"'{MovementTypes.Transfer}', '{MovementTypes.Count}')");
            t.HasCheckConstraint("ck_stock_movements_transfer_has_destination",
                $"(type = '{MovementTypes.Transfer}') = (to_location_id IS NOT NULL)");
        });
        builder.Property(m => m.Id).HasColumnName("id");
        builder.Property(m => m.Type).HasColumnName("type").HasMaxLength(16);
        builder.Property(m => m.ItemId).HasColumnName("item_id");
        builder.Property(m => m.LocationId).HasColumnName("location_id");
        builder.Property(m => m.ToLocationId).HasColumnName("to_location_id");
        builder.Property(m => m.Quantity).HasColumnName("quantity");
        builder.Property(m => m.CountedQuantity).HasColumnName("counted_quantity");
        builder.Property(m => m.OnHandAfter).HasColumnName("on_hand_after");
        builder.Property(m => m.ToOnHandAfter).HasColumnName("to_on_hand_after");
        builder.Property(m => m.Actor).HasColumnName("actor").HasMaxLength(Limits.NameLength);
        builder.Property(m => m.At).HasColumnName("at");
        builder.Property(m => m.Reason).HasColumnName("reason").HasMaxLength(Limits.ReasonLength);
        builder.Property(m => m.Reference).HasColumnName("reference").HasMaxLength(Limits.ReferenceLength);
        builder.HasOne(m => m.Item).WithMany().HasForeignKey(m => m.ItemId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(m => m.Location).WithMany().HasForeignKey(m => m.LocationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(m => m.ToLocation).WithMany().HasForeignKey(m => m.ToLocationId)
            .OnDelete(DeleteBehavior.Restrict);
        // The item's ledger, newest first, is read by (item_id, id DESC).
        builder.HasIndex(m => new { m.ItemId, m.Id }).IsDescending(false, true);
        builder.HasIndex(m => m.LocationId);
        builder.HasIndex(m => m.ToLocationId);
    }
}