using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;

using Inventory.Api.RateLimiting;

using Microsoft.Extensions.Options;

namespace Inventory.Api.Auth;

/// <summary>
/// Counts failed API key attempts per client address (<see cref="ClientAddress.Key"/>) in fixed one-minute windows,
/// logs each with a fingerprint of the key (never the key) and counts it in the <c>inventory.auth.failures</c> metric.
/// </summary>
/// <remarks>
/// A partitioned limiter from System.Threading.RateLimiting, not the rate-limiting middleware: the middleware spends a
/// permit on every request before the key is checked, and here only a failure may spend one. The limiter forgets an
/// address a few seconds after its window has refilled.
/// </remarks>
internal sealed partial class FailedAuthThrottle : IDisposable
{
    public const string MeterName = "Inventory.Api";

    private readonly PartitionedRateLimiter<string> _failures;
    private readonly Counter<long> _counter;
    private readonly ILogger<FailedAuthThrottle> _logger;

    public FailedAuthThrottle(IOptions<AuthThrottlingOptions> options, IMeterFactory meters,
        ILogger<FailedAuthThrottle> logger)
    {
        var limit = options.Value.FailuresPerMinute;
        _failures = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(
            address, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = limit,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            }));
        _counter = meters.Create(MeterName).CreateCounter<long>("inventory.auth.failures", "{attempt}",
            "API key attempts refused: tag reason = unknown-key or throttled.");
        _logger = logger;
    }

    /// <summary>
    /// Whether <paramref name="address"/> has spent its failures; if so, how long until it may try again.
    /// </summary>
    public bool IsThrottled(string address, out TimeSpan retryAfter)
    {
        // Asking for no permit only reports whether any is left.
        using var lease = _failures.AttemptAcquire(address, 0);
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        if (lease.IsAcquired)
        {
            return false;
        }
        _counter.Add(1, new KeyValuePair<string, object?>("reason", "throttled"));
        LogThrottled(_logger, address);
        return true;
    }

    /// <summary>
    /// Spends one of <paramref name="address"/>'s failures on the unknown key <paramref name="presented"/>.
    /// </summary>
    public void RecordFailure(string address, string presented)
    {
        using var lease = _failures.AttemptAcquire(address, 1);
        _counter.Add(1, new KeyValuePair<string, object?>("reason", "unknown-key"));
        LogUnknownKey(_logger, Fingerprint(presented), address);
    }

    /// <summary>
    /// The first 8 hex digits of the key's SHA-256: enough to tell attempts apart, useless to guess it.
    /// </summary>
    public static string Fingerprint(string presented) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(presented)))[..8];

    public void Dispose() => _failures.Dispose();

    [LoggerMessage(EventId = 50, Level = LogLevel.Warning,
        Message = "Unknown API key (SHA-256 prefix {KeyFingerprint}) from {ClientAddress}.")]
    private static partial void LogUnknownKey(ILogger logger, string keyFingerprint, string clientAddress);

    // Debug only: a throttled client may send thousands of these, and the failures that led here were warnings.
    [LoggerMessage(EventId = 51, Level = LogLevel.Debug,
        Message = "API key attempt from {ClientAddress} refused: too many failed attempts this minute.")]
    private static partial void LogThrottled(ILogger logger, string clientAddress);
}
