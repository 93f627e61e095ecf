using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Inventory.Api.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Inventory.Api.Auth;

/// <summary>
/// Authenticates <c>X-Api-Key</c> by its SHA-256 against the configured hashes. Every configured hash is compared, in
/// constant time, whatever matches first, so timing tells nothing about which bytes were right. The key is never logged.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ConfiguredApiKeys keys,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var key = keys.Find(values[0]!);
        if (key is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, key.Name), new Claim(ClaimTypes.Role, key.Role)],
            SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
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
        return WriteAsync(Problems.Forbidden, $"The key '{Context.User.Identity?.Name}' may not {Request.Method} {Request.Path}.");
    }

    private async Task WriteAsync(ProblemKind kind, string detail) =>
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = Context, ProblemDetails = Problems.Details(kind, detail) });
}

/// <summary>A configured key, ready to compare: its name, role and SHA-256 bytes.</summary>
internal sealed record ApiKey(string Name, string Role, byte[] Sha256);

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
