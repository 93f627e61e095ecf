using Inventory.Api.RateLimiting;

using Microsoft.AspNetCore.Authentication;

namespace Inventory.Api.Auth;

internal static class ApiKeyAuthExtensions
{
    public static IHostApplicationBuilder AddApiKeyAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiKeyOptions>()
            .Bind(builder.Configuration.GetSection(ApiKeyOptions.Section))
            .ValidateOnStart();
        builder.Services
            .AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ApiKeyOptions>, ApiKeyOptionsValidator>();
        builder.Services.AddSingleton<ConfiguredApiKeys>();
        builder.Services.AddOptions<AuthThrottlingOptions>()
            .Bind(builder.Configuration.GetSection(AuthThrottlingOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<FailedAuthThrottle>();
        builder.AddClientAddress();

        // Only the authentication core, the URL encoder the handler takes, and the scheme: an API key needs no Data
        // Protection. The portal (AddPortal) adds it with its cookies, keeping the key ring in PostgreSQL; see
        // "Decision: the Data Protection key ring in PostgreSQL" in Inventory.Api/README.md. ApiKey stays the default
        // scheme, the only one /api's policies use.
        builder.Services.AddAuthenticationCore(options =>
            options.DefaultScheme = ApiKeyAuthenticationHandler.SchemeName);
        builder.Services.AddWebEncoders();
        new AuthenticationBuilder(builder.Services)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(
                ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            // One role per policy: a key's principal carries every role its own includes (ApiRoles.Including).
            .AddPolicy(ApiPolicies.Read, p => p.RequireRole(ApiRoles.Reader))
            .AddPolicy(ApiPolicies.MoveStock, p => p.RequireRole(ApiRoles.Operator))
            .AddPolicy(ApiPolicies.ManageCatalogue, p => p.RequireRole(ApiRoles.Admin));
        return builder;
    }
}
