using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Inventory.Api.Http;
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
        if (key is null)
        {
            throttle.RecordFailure(address, values[0]!);
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(key.Principal, SchemeName)));
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

/// <summary>Marks a request refused because its address spent its failed attempts.</summary>
internal sealed record ThrottledAttempt(TimeSpan RetryAfter);

/// <summary>
/// A configured key, ready to compare: its SHA-256 bytes and the principal a request presenting it is given — its
/// name, and a role claim for its own role and every role it includes (<see cref="ApiRoles.Including"/>), so each
/// policy asks for one role. Built once, at start-up, and shared by every request with that key; nothing in the API
/// changes a principal once authenticated.
/// </summary>
internal sealed class ApiKey
{
    public ApiKey(string name, string role, byte[] sha256)
    {
        Sha256 = sha256;
        var identity = new ClaimsIdentity(ApiKeyAuthenticationHandler.SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, name));
        foreach (var included in ApiRoles.Including(role))
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, included));
        }
        Principal = new ClaimsPrincipal(identity);
    }

    public byte[] Sha256 { get; }

    public ClaimsPrincipal Principal { get; }
}

/// <summary>The validated <see cref="ApiKeyOptions"/>, decoded once.</summary>
internal sealed class ConfiguredApiKeys(IOptions<ApiKeyOptions> options)
{
    private readonly ApiKey[] _keys = options.Value.ApiKeys
        .Select(k => new ApiKey(k.Name!, k.Role!, Convert.FromHexString(k.Sha256!)))
        .ToArray();

    public ApiKey? Find(string presented)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), hash);
        ApiKey? found = null;
        foreach (var key in _keys)
        {
            // No early exit: the same work whichever key (if any) matches.
            if (CryptographicOperations.FixedTimeEquals(hash, key.Sha256))
            {
                found = key;
            }
        }
        return found;
    }
}
