using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Inventory.Api.Http;

/// <summary>
/// OpenAPI at <c>/openapi/v1.json</c> and the Scalar UI at <c>/scalar</c>, both without a key, where
/// <see cref="ApiDocumentationOptions"/> makes them public.
/// </summary>
internal static class ApiDocumentation
{
    public static IHostApplicationBuilder AddApiDocumentation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiDocumentationOptions>()
            .Bind(builder.Configuration.GetSection(ApiDocumentationOptions.Section));
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer(ApiDocumentDescription.DescribeDocumentAsync);
            options.AddOperationTransformer(ApiDocumentDescription.DeclareSecurityAsync);
            options.AddOperationTransformer((operation, _, _) =>
            {
                DescribeResponseHeaders(operation);
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    /// <summary>The headers the typed results cannot describe: ETag, Location, Retry-After, WWW-Authenticate.</summary>
    private static void DescribeResponseHeaders(OpenApiOperation operation)
    {
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response is not OpenApiResponse described)
            {
                continue;
            }
            if (operation.OperationId is "GetItem" or "CreateItem" or "UpdateItem" or "RestoreItem"
                && status is "200" or "201" or "304")
            {
                AddHeader(described, "ETag", "The item's version; send it back as If-Match to update the item.");
            }
            if (operation.OperationId is "ListItems" && status is "200" or "304")
            {
                AddHeader(described, "ETag", "The page's validator; send it back as If-None-Match for a 304.");
            }
            if (operation.OperationId is "CreateItem" or "CreateLocation" && status == "201")
            {
                AddHeader(described, "Location", "Where the new resource can be read.");
            }
            if (status == "429")
            {
                AddHeader(described, "Retry-After", "Seconds to wait before this API key may send again.");
            }
            if (status == "401")
            {
                AddHeader(described, "WWW-Authenticate", "ApiKey header=\"X-Api-Key\"");
            }
        }
    }

    private static void AddHeader(OpenApiResponse response, string name, string description)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader
        {
            Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        };
    }

    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<ApiDocumentationOptions>>().Value.IsPublicIn(app.Environment))
        {
            return app;
        }
        var builtOnce = new BuiltOnceDocument();
        app.Lifetime.ApplicationStopped.Register(builtOnce.Dispose);
        app.MapOpenApi().AddEndpointFilter(builtOnce);
        app.MapScalarApiReference(options => options.WithTitle("Inventory API"));
        return app;
    }
}
