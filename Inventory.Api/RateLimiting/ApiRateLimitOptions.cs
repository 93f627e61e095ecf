using System.ComponentModel.DataAnnotations;

namespace Inventory.Api.RateLimiting;

/// <summary>
/// Per-API-key token bucket (section <c>RateLimiting</c>, env <c>RateLimiting__TokenLimit</c>…): a key may burst
/// <see cref="TokenLimit"/> requests and is refilled <see cref="TokensPerPeriod"/> tokens every
/// <see cref="ReplenishmentPeriod"/>.
/// </summary>
public sealed class ApiRateLimitOptions
{
    public const string Section = "RateLimiting";

    [Range(1, 1_000_000, ErrorMessage = "RateLimiting:TokenLimit must be between {1} and {2}.")]
    public int TokenLimit { get; set; } = 1000;

    [Range(1, 1_000_000, ErrorMessage = "RateLimiting:TokensPerPeriod must be between {1} and {2}.")]
    public int TokensPerPeriod { get; set; } = 500;

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00",
        ErrorMessage = "RateLimiting:ReplenishmentPeriod must be between {1} and {2}.")]
    public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromSeconds(1);
}
