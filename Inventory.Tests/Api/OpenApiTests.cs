using System.Text.Json;
using Inventory.Tests.Infrastructure.ApiTests;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>
/// The OpenAPI document describes every /api endpoint, its schemas and its error responses; Scalar serves it.
/// </summary>
public sealed class OpenApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Every_api_endpoint_is_described_with_its_auth_and_error_responses()
    {
        var document = await DocumentAsync();
        var paths = document.GetProperty("paths");
        var endpoints = fixture.Api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(
                m => (Path: e.RoutePattern.RawText!.TrimEnd('/'), Method: m)))
            .ToList();

        Assert.Equal(17, endpoints.Count);
        foreach (var (path, method) in endpoints)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is not in the document.");
            Assert.True(item.TryGetProperty(method.ToLowerInvariant(), out var operation),
                $"{method} {path} is not in the document.");
            var responses = operation.GetProperty("responses");
            foreach (var status in new[] { "400", "401", "403", "429" })
            {
                Assert.True(responses.TryGetProperty(status, out var response),
                    $"{method} {path} does not describe {status}.");
                Assert.True(response.GetProperty("content").TryGetProperty("application/problem+json", out _),
                    $"{method} {path} {status} is not a problem+json response.");
            }
            Assert.True(responses.GetProperty("429").GetProperty("headers").TryGetProperty("Retry-After", out _));
            Assert.Contains(operation.GetProperty("security").EnumerateArray(), r => r.TryGetProperty("ApiKey", out _));
            Assert.Contains(responses.EnumerateObject(), r => r.Name.StartsWith('2'));
        }
    }

    [Theory]
    [InlineData("/api/stock/receipts", "post", "201 404 409 413 415 422")]
    [InlineData("/api/stock/issues", "post", "201 404 409 413 415 422")]
    [InlineData("/api/stock/transfers", "post", "201 404 409 413 415 422")]
    [InlineData("/api/stock/counts", "post", "201 404 409 413 415 422")]
    [InlineData("/api/items", "post", "201 409 413 415")]
    [InlineData("/api/items/{sku}", "get", "200 404")]
    [InlineData("/api/items/{sku}", "put", "200 404 412 413 415 428")]
    [InlineData("/api/items/{sku}", "delete", "204 404 409")]
    [InlineData("/api/items/import", "post", "200 409 413 415")]
    [InlineData("/api/locations", "post", "201 409 413 415")]
    [InlineData("/api/locations/{code}", "get", "200 404")]
    [InlineData("/api/items/{sku}/movements", "get", "200 404")]
    public async Task Each_endpoint_lists_its_own_failures(string path, string method, string statuses)
    {
        var responses = (await DocumentAsync()).GetProperty("paths").GetProperty(path).GetProperty(method)
            .GetProperty("responses");

        foreach (var status in statuses.Split(' '))
        {
            Assert.True(responses.TryGetProperty(status, out _), $"{method} {path} does not describe {status}.");
        }
    }

    [Fact]
    public async Task Schemas_headers_and_the_api_key_scheme_are_described()
    {
        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var schema in new[]
        {
            "CreateItemRequest", "UpdateItemRequest", "ItemResponse", "ItemPage", "CreateLocationRequest",
            "LocationResponse", "StockChangeRequest", "StockTransferRequest", "StockCountRequest",
            "StockMovementResponse", "StockMovementPage", "LowStockReport", "ImportSummary", "ProblemDetails",
            "HttpValidationProblemDetails",
        })
        {
            Assert.True(schemas.TryGetProperty(schema, out _), $"No schema {schema}.");
        }
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal(("apiKey", "header", "X-Api-Key"),
            (scheme.GetProperty("type").GetString(), scheme.GetProperty("in").GetString(),
                scheme.GetProperty("name").GetString()));
        var items = document.GetProperty("paths");
        Assert.True(items.GetProperty("/api/items/{sku}").GetProperty("get").GetProperty("responses").GetProperty("200")
            .GetProperty("headers").TryGetProperty("ETag", out _));
        var put = items.GetProperty("/api/items/{sku}").GetProperty("put");
        Assert.Contains(put.GetProperty("parameters").EnumerateArray(),
            p => p.GetProperty("name").GetString() == "If-Match");
        var receipt = items.GetProperty("/api/stock/receipts").GetProperty("post");
        Assert.Contains(receipt.GetProperty("parameters").EnumerateArray(),
            p => p.GetProperty("name").GetString() == "Idempotency-Key");
        Assert.True(items.GetProperty("/api/items/import").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").TryGetProperty("text/csv", out _));
        Assert.True(items.GetProperty("/api/items/export").GetProperty("get").GetProperty("responses")
            .GetProperty("200").GetProperty("content").TryGetProperty("text/csv", out _));
        var list = items.GetProperty("/api/items").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Equal(["search", "category", "lowStock", "includeArchived", "sort", "limit", "cursor"], list);
    }

    [Fact]
    public async Task Scalar_serves_the_api_reference()
    {
        using var response = await fixture.Anonymous.GetAsync("/scalar/", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("openapi/v1.json", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private async Task<JsonElement> DocumentAsync()
    {
        using var response = await fixture.Anonymous.GetAsync("/openapi/v1.json", Ct);
        return await response.ReadJsonAsync(HttpStatusCode.OK);
    }
}
