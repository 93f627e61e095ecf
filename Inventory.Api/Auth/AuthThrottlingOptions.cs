using System.ComponentModel.DataAnnotations;

namespace Inventory.Api.Auth;

/// <summary>
/// Failed API key attempts allowed per client address and minute (section <c>AuthThrottling</c>, env
/// <c>AuthThrottling__FailuresPerMinute</c>). Once spent, every request from that address that presents a key gets
/// 429 until the minute ends, a right key included, so a guess that hits cannot be told from one that misses.
/// </summary>
public sealed class AuthThrottlingOptions
{
    public const string Section = "AuthThrottling";

    [Range(1, 100_000, ErrorMessage = "AuthThrottling:FailuresPerMinute must be between {1} and {2}.")]
    public int FailuresPerMinute { get; set; } = 10;
}
