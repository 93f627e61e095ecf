using System.ComponentModel.DataAnnotations;

namespace Inventory.Api.Stock;

/// <summary>Section <c>Idempotency</c>: how long a stock POST's answer is kept for replay (at least a day).</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    [Range(typeof(TimeSpan), "1.00:00:00", "30.00:00:00",
        ErrorMessage = "Idempotency:Retention must be between {1} and {2}: keys are kept at least a day.")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(25);

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00",
        ErrorMessage = "Idempotency:CleanupInterval must be between {1} and {2}.")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);
}