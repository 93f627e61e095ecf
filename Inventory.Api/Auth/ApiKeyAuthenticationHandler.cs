using System.Globalization;
using System.Text.Encodings.Web;

using Inventory.Api.Http;
using Inventory.Api.Portal;
using Inventory.Api.RateLimiting;

using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Inventory.Api.Auth;

/// <summary>
/// Authenticates <c>X-Api-Key</c> by its SHA-256 against the configured hashes. Every configured hash is compared,
/// in constant time, whatever matches first, so timing tells nothing about which bytes were right. The key is never
/// logged; a failed attempt spends one of its client address's failures (<see cref="FailedAuthThrottle"/>).
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ConfiguredApiKeys keys,
    FailedAuthThrottle throttle,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.Count != 1
            || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var address = ClientAddress.Key(Context);
        if (throttle.IsThrottled(address, out var retryAfter))
        {
            // The key is not even compared: a throttled address learns nothing about it.
            Context.Features.Set(new ThrottledAttempt(retryAfter));
            return Task.FromResult(AuthenticateResult.Fail("Too many failed API key attempts."));
        }
        var key = keys.Find(values[0]!);
        if (key is not null)
        {
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(key.Principal, SchemeName)));
        }
        if (UserApiKeys.LooksLikeUserKey(values[0]!))
        {
            // Only a personal key's prefix costs a database lookup; a configured key never does.
            return AuthenticateUserKeyAsync(values[0]!, address);
        }
        throttle.RecordFailure(address, values[0]!);
        return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
    }

    private async Task<AuthenticateResult> AuthenticateUserKeyAsync(string presented, string address)
    {
        var principal = await Context.RequestServices.GetRequiredService<UserApiKeys>()
            .AuthenticateAsync(presented, Context.RequestAborted);
        if (principal is null)
        {
            throttle.RecordFailure(address, presented);
            return AuthenticateResult.Fail("Unknown, revoked or expired API key.");
        }
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Features.Get<ThrottledAttempt>() is { } throttled)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(throttled.RetryAfter.TotalSeconds));
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await WriteAsync(Problems.RateLimited,
                $"Too many failed API key attempts from this address; retry after {seconds} s.");
            return;
        }
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        var detail = Request.Headers.ContainsKey(HeaderName)
            ? $"The {HeaderName} header does not hold a known API key."
            : $"Send an API key in the {HeaderName} header.";
        await WriteAsync(Problems.MissingApiKey, detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return WriteAsync(Problems.Forbidden,
            $"The key '{Context.User.Identity?.Name}' may not {Request.Method} {Request.Path}.");
    }

    private async Task WriteAsync(ProblemKind kind, string detail) =>
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = Problems.Details(kind, detail),
        });
}
