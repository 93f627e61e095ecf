using Inventory.Api.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Inventory.Api.Http;

/// <summary>
/// What the OpenAPI document says beyond the endpoints' own metadata: the API as a whole, its tags, its key scheme
/// and which operations need a key. Kept lint-clean (Redocly recommended, Spectral spectral:oas) by
/// <c>.ci/run lint</c> on the committed snapshot, Inventory.Api/openapi.json.
/// </summary>
internal static class ApiDocumentDescription
{
    private const string SecuritySchemeName = ApiKeyAuthenticationHandler.SchemeName;

    /// <summary>The description of each tag an endpoint group names with <c>WithTags</c>.</summary>
    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Items"] = "The catalogue: items by SKU with their stock per location, and its CSV export and import.",
        ["Locations"] = "Warehouses and bins by code, with the stock each holds.",
        ["Stock"] = "The append-only stock ledger: receipts, issues, transfers and counts, and an item's movements.",
        ["Reports"] = "Read-only views across the catalogue, such as the items at or below their reorder point.",
        ["Operations"] = "What deploys and monitors read without a key, such as the running build's version.",
    };

    public static Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context,
        CancellationToken ct)
    {
        // Relative, as the spec's default: the document is built once, so the first request's Host header must not
        // become every reader's server.
        document.Servers = [new OpenApiServer { Url = "/" }];
        document.Info.Title = "Inventory API";
        document.Info.Description =
            "Items, locations and an append-only stock ledger. Every /api route needs an X-Api-Key header " +
            "(roles: Reader = GET, Operator = + stock movements, Admin = + items, locations, import). " +
            "Errors are RFC 9457 problem details.";
        document.Info.Contact = new OpenApiContact { Name = "Inventory API maintainers" };
        document.Info.License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-Proprietary" };
        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
        {
            if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description))
            {
                tag.Description = description;
            }
        }
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
    }

    /// <summary>
    /// An operation that requires authorization needs the API key; every other one declares an empty security
    /// list, so a reader (and a linter) can tell a public endpoint from one whose security was forgotten.
    /// </summary>
    public static Task DeclareSecurityAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context,
        CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var needsKey = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
        operation.Security ??= [];
        if (needsKey)
        {
            operation.Security.Add(new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(SecuritySchemeName, context.Document)] = [],
            });
        }
        return Task.CompletedTask;
    }
}
