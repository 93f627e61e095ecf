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

        // Not AddAuthentication(): it also registers ASP.NET Core Data Protection, whose hosted service makes a key
        // ring at every start (in the read-only container an ephemeral one, with three warnings in the log) for
        // cookies and tokens this API never issues. An API key needs only the authentication core, the URL encoder
        // the handler takes, and the scheme.
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
