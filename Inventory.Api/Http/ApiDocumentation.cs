using Inventory.Api.Auth;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Inventory.Api.Http;

/// <summary>OpenAPI at <c>/openapi/v1.json</c> and the Scalar UI at <c>/scalar</c>, both without a key.</summary>
internal static class ApiDocumentation
{
    private const string SecuritySchemeName = ApiKeyAuthenticationHandler.SchemeName;

    public static IHostApplicationBuilder AddApiDocumentation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Inventory API";
                document.Info.Description =
                    "Items, locations and an append-only stock ledger. Every /api route needs an X-Api-Key header " +
                    "(roles: Reader = GET, Operator = + stock movements, Admin = + items, locations, import). " +
                    "Errors are RFC 9457 problem details.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[SecuritySchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = ApiKeyAuthenticationHandler.HeaderName,
                    Description = "An API key; the server knows only its SHA-256.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true)
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement
                    {
                        [new OpenApiSecuritySchemeReference(SecuritySchemeName, context.Document)] = [],
                    });
                }
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference(options => options.WithTitle("Inventory API"));
        return app;
    }
}
