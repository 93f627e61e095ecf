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
            .AddPolicy(ApiPolicies.Read, p => p.RequireRole(ApiRoles.Reader, ApiRoles.Operator, ApiRoles.Admin))
            .AddPolicy(ApiPolicies.MoveStock, p => p.RequireRole(ApiRoles.Operator, ApiRoles.Admin))
            .AddPolicy(ApiPolicies.ManageCatalogue, p => p.RequireRole(ApiRoles.Admin));
        return builder;
    }
}
