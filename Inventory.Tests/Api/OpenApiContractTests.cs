using System.Text.Json;
using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.ApiTests;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>
/// What the OpenAPI linters (Redocly's recommended rules, Spectral's spectral:oas; run by <c>.ci/run lint</c>) ask
/// of every operation, checked on the live document so a new endpoint without them fails here first.
/// </summary>
public sealed class OpenApiContractTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Every_operation_has_a_summary_a_description_an_id_a_tag_and_a_security_declaration()
    {
        var missing = new List<string>();
        foreach (var (name, operation) in Operations(await DocumentAsync()))
        {
            foreach (var field in new[] { "summary", "description", "operationId" })
            {
                if (!operation.TryGetProperty(field, out var value) || string.IsNullOrWhiteSpace(value.GetString()))
                {
                    missing.Add($"{name}: {field}");
                }
            }
            if (!operation.TryGetProperty("tags", out var tags) || tags.GetArrayLength() == 0)
            {
                missing.Add($"{name}: tags");
            }
            if (!operation.TryGetProperty("security", out _))
            {
                missing.Add($"{name}: security (declare [] for a public endpoint)");
            }
        }

        Assert.True(missing.Count == 0, "Operations lack what the linters require:\n" + string.Join('\n', missing));
    }

    [Fact]
    public async Task Public_endpoints_declare_that_they_need_no_key()
    {
        var version = (await DocumentAsync()).GetProperty("paths").GetProperty("/version").GetProperty("get");

        Assert.True(version.TryGetProperty("security", out var security), "GET /version declares no security.");
        Assert.Equal(0, security.GetArrayLength());
    }

    [Fact]
    public async Task Every_tag_is_described_and_the_document_names_its_contact_and_license()
    {
        var document = await DocumentAsync();
        var described = document.TryGetProperty("tags", out var tags)
            ? tags.EnumerateArray()
                .Where(t => t.TryGetProperty("description", out var d) && !string.IsNullOrWhiteSpace(d.GetString()))
                .Select(t => t.GetProperty("name").GetString())
                .ToHashSet()
            : [];
        var used = Operations(document).SelectMany(o => o.Operation.TryGetProperty("tags", out var t)
            ? t.EnumerateArray().Select(n => n.GetString()) : []).ToHashSet();

        Assert.Empty(used.Except(described));
        var info = document.GetProperty("info");
        Assert.True(info.TryGetProperty("contact", out _), "info has no contact.");
        Assert.True(info.TryGetProperty("license", out var license) && license.TryGetProperty("name", out _),
            "info has no license with a name.");
    }

    private static IEnumerable<(string Name, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject()
            .Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Name != "parameters")
            .Select(o => ($"{o.Name.ToUpperInvariant()} {path.Name}", o.Value)));

    private async Task<JsonElement> DocumentAsync()
    {
        using var response = await fixture.Anonymous.GetAsync("/openapi/v1.json", Ct);
        return await response.ReadJsonAsync(HttpStatusCode.OK);
    }
}
