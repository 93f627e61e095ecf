using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Inventory.Api.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

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

internal static class ApiRateLimiting
{
    public const string PerApiKeyPolicy = "per-api-key";

    public static IHostApplicationBuilder AddApiRateLimiting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiRateLimitOptions>()
            .Bind(builder.Configuration.GetSection(ApiRateLimitOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy<string, PerApiKeyBucket>(PerApiKeyPolicy);
            limiter.OnRejected = async (rejected, ct) =>
            {
                var response = rejected.HttpContext.Response;
                var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    : 1;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var problems = rejected.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = rejected.HttpContext,
                    ProblemDetails = Problems.Details(Problems.RateLimited,
                        $"This API key sent too many requests; retry after {seconds} s."),
                });
            };
        });
        return builder;
    }
}

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
