using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Inventory.Tests.Infrastructure.ApiTests;

namespace Inventory.Tests.Api;

/// <summary>The calls and checks the API tests share: create things, move stock, read problem details.</summary>
internal static class ApiCalls
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<JsonElement> CreateItemAsync(this HttpClient admin, string sku, int reorderPoint = 0,
        string? name = null, string? category = null)
    {
        using var response = await admin.PostAsJsonAsync("/api/items",
            new { sku, name = name ?? $"Item {sku}", category, reorderPoint }, Ct);
        return await response.ReadJsonAsync(HttpStatusCode.Created);
    }

    public static async Task<JsonElement> CreateLocationAsync(this HttpClient admin, string code)
    {
        using var response = await admin.PostAsJsonAsync("/api/locations", new { code, name = $"Location {code}" }, Ct);
        return await response.ReadJsonAsync(HttpStatusCode.Created);
    }

    /// <summary>A new item and a new location, named after <paramref name="prefix"/>.</summary>
    public static async Task<(string Sku, string Location)> CreateItemAndLocationAsync(
        this HttpClient admin, string prefix)
    {
        var sku = ApiFixture.Unique(prefix);
        var location = ApiFixture.Unique("LOC");
        await admin.CreateItemAsync(sku);
        await admin.CreateLocationAsync(location);
        return (sku, location);
    }

    /// <summary>How many movements the item's ledger holds (0 for an unknown item).</summary>
    public static async Task<int> MovementCountAsync(this HttpClient client, string sku)
    {
        using var response = await client.GetAsync($"/api/items/{sku}/movements?limit=200", Ct);
        return response.StatusCode == HttpStatusCode.NotFound
            ? 0
            : (await response.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength();
    }

    public static async Task<JsonElement> ReceiveAsync(
        this HttpClient client, string sku, string location, int quantity)
    {
        using var response = await client.PostAsJsonAsync("/api/stock/receipts", new { sku, location, quantity }, Ct);
        return await response.ReadJsonAsync(HttpStatusCode.Created);
    }

    /// <summary>The item's on-hand total as GET /api/items/{sku} reports it.</summary>
    public static async Task<long> OnHandAsync(this HttpClient client, string sku)
    {
        using var response = await client.GetAsync($"/api/items/{sku}", Ct);
        return (await response.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("onHand").GetInt64();
    }

    /// <summary>The quantity at one location, from the item's stock list (0 when it is not listed).</summary>
    public static async Task<long> QuantityAtAsync(this HttpClient client, string sku, string location)
    {
        using var response = await client.GetAsync($"/api/items/{sku}", Ct);
        var item = await response.ReadJsonAsync(HttpStatusCode.OK);
        return item.GetProperty("stock").EnumerateArray()
            .Where(s => s.GetProperty("location").GetString() == location)
            .Select(s => s.GetProperty("quantity").GetInt64())
            .SingleOrDefault();
    }

    public static Task<HttpResponseMessage> PostJsonTextAsync(this HttpClient client, string path, string json,
        string contentType = "application/json", IReadOnlyDictionary<string, string>? headers = null)
    {
        var request = new HttpRequestMessage(
            HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return client.SendAsync(request, Ct);
    }

    /// <summary>Asserts the status and returns the JSON body.</summary>
    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected,
            $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem with this status (and type, when given) and returns it.</summary>
    public static async Task<JsonElement> ReadProblemAsync(
        this HttpResponseMessage response, HttpStatusCode expected, string? typeSlug = null)
    {
        var problem = await response.ReadJsonAsync(expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        if (typeSlug is not null)
        {
            Assert.Equal($"urn:inventory:problem:{typeSlug}", problem.GetProperty("type").GetString());
        }
        return problem;
    }

    /// <summary>Asserts a 400 validation problem whose <c>errors</c> name <paramref name="fields"/>.</summary>
    public static async Task<JsonElement> ReadValidationProblemAsync(
        this HttpResponseMessage response, params string[] fields)
    {
        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        foreach (var field in fields)
        {
            Assert.True(errors.TryGetProperty(field, out var messages) && messages.GetArrayLength() > 0,
                $"No validation error for '{field}' in {errors}");
        }
        return problem;
    }
}
