using Microsoft.AspNetCore.Authentication;

namespace Inventory.Api.Auth;

internal static class ApiKeyAuthExtensions
{
    public static IHostApplicationBuilder AddApiKeyAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiKeyOptions>()
            .Bind(builder.Configuration.GetSection(ApiKeyOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ApiKeyOptions>, ApiKeyOptionsValidator>();
        builder.Services.AddSingleton<ConfiguredApiKeys>();

        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            // One role per policy: a key's principal carries every role its own includes (ApiRoles.Including).
            .AddPolicy(ApiPolicies.Read, p => p.RequireRole(ApiRoles.Reader))
            .AddPolicy(ApiPolicies.MoveStock, p => p.RequireRole(ApiRoles.Operator))
            .AddPolicy(ApiPolicies.ManageCatalogue, p => p.RequireRole(ApiRoles.Admin));
        return builder;
    }
}
