using System.Globalization;
using System.Threading.RateLimiting;

using Inventory.Api.Http;

namespace Inventory.Api.RateLimiting;

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
