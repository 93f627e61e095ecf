using System.Threading.RateLimiting;

using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Inventory.Api.RateLimiting;

/// <summary>
/// One token bucket per API key. Made once, when the rate-limiting middleware is built, so a request only looks its
/// key's bucket up; rejections are answered by the limiter's common <c>OnRejected</c> (429 with Retry-After).
/// </summary>
internal sealed class PerApiKeyBucket(IOptions<ApiRateLimitOptions> options) : IRateLimiterPolicy<string>
{
    // One delegate for every request (RateLimitPartition.GetTokenBucketLimiter wraps its factory in a new one
    // each time). No timer per bucket: the partitioned limiter replenishes all of its buckets from its own timer, as
    // GetTokenBucketLimiter arranges.
    private readonly Func<string, RateLimiter> _newBucket = _ => new TokenBucketRateLimiter(
        new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Value.TokenLimit,
            TokensPerPeriod = options.Value.TokensPerPeriod,
            ReplenishmentPeriod = options.Value.ReplenishmentPeriod,
            QueueLimit = 0,
            AutoReplenishment = false,
        });

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null;

    // Runs after authorization, so every request here carries a known key's name.
    public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
        RateLimitPartition.Get(httpContext.User.Identity?.Name ?? "", _newBucket);
}
