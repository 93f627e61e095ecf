using System.Reflection;
using System.Text;
using System.Text.Json;
using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.ApiTests;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.DependencyInjection;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>
/// Every string input of every endpoint, as the API describes them (route, query, header, JSON body property), gets a
/// NUL, a lone surrogate and bytes that are not UTF-8: each is a 400 naming that input, never a 5xx. A new endpoint or
/// field is covered without touching this test.
/// </summary>
public sealed class UnstorableTextFuzzTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    /// <summary>Percent-encoded for a URL path: U+D800 as UTF-8 would spell it, a byte UTF-8 never has.</summary>
    /// <remarks>No <c>%00</c>: Kestrel refuses it in a path itself (400); the test host cannot even send it.</remarks>
    private static readonly string[] BadPathText = ["a%ED%A0%80", "a%FF"];

    /// <summary>Percent-encoded for a query string: U+0000 as well.</summary>
    private static readonly string[] BadQueryText = [.. BadPathText, "a%00b"];

    /// <summary>JSON string literals: U+0000 and the two halves of a surrogate pair, each alone.</summary>
    private static readonly string[] BadJsonText = ["\"a\\u0000b\"", "\"a\\ud800\"", "\"\\udc00b\""];

    [Fact]
    public async Task Unstorable_text_in_any_string_input_of_any_endpoint_is_a_400_naming_it()
    {
        var sku = ApiFixture.Unique("TEXT");
        await fixture.Admin.CreateItemAsync(sku);
        var tested = 0;
        var failures = new List<string>();

        foreach (var endpoint in Endpoints())
        {
            foreach (var input in endpoint.ParameterDescriptions)
            {
                foreach (var (label, send) in Requests(endpoint, input, sku))
                {
                    using var response = await send();
                    tested++;
                    var body = await response.Content.ReadAsStringAsync(Ct);
                    if (response.StatusCode != HttpStatusCode.BadRequest || !NamesField(body, label.Field))
                    {
                        failures.Add($"{endpoint.HttpMethod} /{endpoint.RelativePath} {label.Description}: "
                            + $"{(int)response.StatusCode} {body}");
                    }
                }
            }
        }

        Assert.True(tested > 40, $"Only {tested} requests were sent.");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private IEnumerable<ApiDescription> Endpoints() => fixture.Api.Services
        .GetRequiredService<IApiDescriptionGroupCollectionProvider>().ApiDescriptionGroups.Items
        .SelectMany(g => g.Items)
        .Where(d => d.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true);

    private IEnumerable<((string Field, string Description) Label, Func<Task<HttpResponseMessage>> Send)> Requests(
        ApiDescription endpoint, ApiParameterDescription input, string sku)
    {
        var method = new HttpMethod(endpoint.HttpMethod!);
        string Path(string? badParameter, string badValue) => "/" + string.Join('/', endpoint.RelativePath!.Split('/')
            .Select(s => s.StartsWith('{') ? (s.Trim('{', '}') == badParameter ? badValue : sku) : s));

        if (input.Source == BindingSource.Path && input.Type == typeof(string))
        {
            foreach (var bad in BadPathText)
            {
                yield return ((input.Name, $"route {input.Name}={bad}"), () => Send(method, Path(input.Name, bad)));
            }
        }
        else if (input.Source == BindingSource.Query && input.Type == typeof(string))
        {
            foreach (var bad in BadQueryText)
            {
                yield return ((input.Name, $"query {input.Name}={bad}"),
                    () => Send(method, $"{Path(null, "")}?{input.Name}={bad}"));
            }
        }
        else if (input.Source == BindingSource.Header && input.Type == typeof(string))
        {
            yield return ((input.Name, $"header {input.Name} with NUL"),
                () => Send(method, Path(null, ""), headers: (input.Name, "a\0b")));
        }
        else if (input.Source == BindingSource.Body && input.Type.IsClass && input.Type != typeof(string))
        {
            foreach (var property in input.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.PropertyType == typeof(string)))
            {
                var field = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
                foreach (var bad in BadJsonText)
                {
                    yield return ((field, $"body {field}={bad}"),
                        () => Send(method, Path(null, ""), json: $"{{\"{field}\":{bad}}}"));
                }
            }
        }
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string? json = null,
        (string Name, string Value)? headers = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        }
        request.Headers.TryAddWithoutValidation("If-Match", "*");
        if (headers is { } header)
        {
            request.Headers.TryAddWithoutValidation(header.Name, header.Value);
        }
        return fixture.Admin.SendAsync(request, Ct);
    }

    /// <summary>A validation problem whose <c>errors</c> has the field, compared without regard to case.</summary>
    private static bool NamesField(string body, string field)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            return problem.RootElement.TryGetProperty("errors", out var errors)
                && errors.EnumerateObject().Any(e => e.Name.Equals(field, StringComparison.OrdinalIgnoreCase));
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
