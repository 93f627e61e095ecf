using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Inventory.Api.Data;

/// <summary>
/// The answer given to a stock POST sent with an <c>Idempotency-Key</c>: claimed and completed in the transaction
/// that records the movement, so a retry either finds the complete answer or runs as the first request.
/// </summary>
public sealed class IdempotencyRecord
{
    /// <summary>The API key's name: one client's keys never collide with another's.</summary>
    public required string Owner { get; set; }
    public required string Key { get; set; }

    /// <summary>
    /// SHA-256 (hex) of the route and the request as parsed: a different body under the same key is refused.
    /// </summary>
    public required string RequestHash { get; set; }

    public int StatusCode { get; set; }
    public string ContentType { get; set; } = "";
    public string Body { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.ToTable("idempotency_records");
        builder.HasKey(r => new { r.Owner, r.Key });
        builder.Property(r => r.Owner).HasColumnName("owner").HasMaxLength(Limits.NameLength);
        builder.Property(r => r.Key).HasColumnName("key").HasMaxLength(Limits.IdempotencyKeyLength);
        builder.Property(r => r.RequestHash).HasColumnName("request_hash").HasMaxLength(64);
        builder.Property(r => r.StatusCode).HasColumnName("status_code");
        builder.Property(r => r.ContentType).HasColumnName("content_type").HasMaxLength(100);
        builder.Property(r => r.Body).HasColumnName("body");
        builder.Property(r => r.CreatedAt).HasColumnName("created_at");
        builder.HasIndex(r => r.CreatedAt);
    }
}
