using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Inventory.Tests.Infrastructure.ApiTests;
using Microsoft.EntityFrameworkCore;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>
/// Bad input at every write endpoint — malformed and random bodies, huge numbers, wrong types, odd Unicode, wrong
/// content types — never gets a 5xx and never changes anything. Generated from a fixed seed, so a failure repeats.
/// </summary>
public sealed class FuzzTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private const int Seed = 20261129;

    /// <summary>
    /// Stands for <c>"\ud800"</c> in the JSON text: a JsonNode would write the replacement character instead.
    /// </summary>
    private const string LoneSurrogate = "LONE-SURROGATE-PLACEHOLDER";

    /// <summary>
    /// Values that break any text field: wrong types, control characters, broken UTF-16, far too long.
    /// </summary>
    private static readonly JsonNode?[] BadText =
    [
        123, true, new JsonArray(), new JsonObject(), "nul\u0000byte", LoneSurrogate, "bell\u0007", "esc\u001b[31m",
        new string('x', 70_000),
    ];

    /// <summary>Values that break any whole-number field.</summary>
    private static readonly JsonNode?[] BadNumbers =
    [
        -1, 1.5, 2147483648L, -2147483649L, 1_000_000_001, "5", "ten", true, new JsonArray(1), new JsonObject(),
        JsonNode.Parse("1e400"), JsonNode.Parse("99999999999999999999999999999"), JsonNode.Parse("-0.0001"),
    ];

    private static readonly string[] BrokenJson =
    [
        "", " ", "{", "}", "null", "[]", "true", "\"text\"", "{\"sku\":}", "{\"sku\" \"x\"}", "{'sku':'x'}",
        "{\"sku\":\"x\",}",
        "{\"quantity\":01}", "{\"quantity\":NaN}", "{\"quantity\":Infinity}", "\ufeff{", "{\"a\":\"\\uZZZZ\"}",
        new string('[', 5000) + new string(']', 5000), "{\"sku\":\"x\"}{\"sku\":\"y\"}",
    ];

    [Fact]
    public async Task Bad_bodies_at_every_write_endpoint_never_give_a_5xx_and_change_nothing()
    {
        var (sku, from, to) = await SeedAsync();
        using var tagResponse = await fixture.Reader.GetAsync($"/api/items/{sku}", Ct);
        var etag = tagResponse.Headers.ETag!.Tag;
        var endpoints = new (HttpMethod Method, string Path, JsonObject Valid, string[] Text, string[] Numbers,
            string[] Required)[]
        {
            (HttpMethod.Post, "/api/items",
                new JsonObject { ["sku"] = "FUZZ-NEW", ["name"] = "n", ["reorderPoint"] = 1 },
                ["sku", "name", "description", "category", "unit"], ["reorderPoint"], ["sku", "name"]),
            (HttpMethod.Put, $"/api/items/{sku}", new JsonObject { ["name"] = "renamed", ["reorderPoint"] = 2 },
                ["name", "description", "category", "unit"], ["reorderPoint"], ["name"]),
            (HttpMethod.Post, "/api/locations", new JsonObject { ["code"] = "FUZZ-LOC", ["name"] = "n" },
                ["code", "name"], [], ["code", "name"]),
            (HttpMethod.Post, "/api/stock/receipts",
                new JsonObject { ["sku"] = sku, ["location"] = from, ["quantity"] = 1 },
                ["sku", "location", "reason", "reference"], ["quantity"], ["sku", "location", "quantity"]),
            (HttpMethod.Post, "/api/stock/issues",
                new JsonObject { ["sku"] = sku, ["location"] = from, ["quantity"] = 1 },
                ["sku", "location", "reason", "reference"], ["quantity"], ["sku", "location", "quantity"]),
            (HttpMethod.Post, "/api/stock/transfers",
                new JsonObject { ["sku"] = sku, ["fromLocation"] = from, ["toLocation"] = to, ["quantity"] = 1 },
                ["sku", "fromLocation", "toLocation", "reason"], ["quantity"],
                    ["sku", "fromLocation", "toLocation", "quantity"]),
            (HttpMethod.Post, "/api/stock/counts",
                new JsonObject { ["sku"] = sku, ["location"] = from, ["countedQuantity"] = 3, ["reason"] = "c" },
                ["sku", "location", "reason"], ["countedQuantity"], ["sku", "location", "countedQuantity", "reason"]),
        };
        var random = new Random(Seed);
        var before = await SnapshotAsync();
        var sent = 0;

        foreach (var endpoint in endpoints)
        {
            var bodies = new List<(string Label, byte[] Body, string ContentType)>();
            foreach (var broken in BrokenJson)
            {
                bodies.Add(($"broken {Shorten(broken)}", Encoding.UTF8.GetBytes(broken), "application/json"));
            }
            foreach (var field in endpoint.Text)
            {
                bodies.AddRange(BadText.Select(
                    v => ($"{field}={Shorten(v?.ToJsonString())}", With(endpoint.Valid, field, v),
                    "application/json")));
            }
            foreach (var field in endpoint.Numbers)
            {
                bodies.AddRange(BadNumbers.Select(
                    v => ($"{field}={Shorten(v?.ToJsonString())}", With(endpoint.Valid, field, v),
                    "application/json")));
            }
            foreach (var field in endpoint.Required)
            {
                bodies.Add(($"no {field}", Without(endpoint.Valid, field), "application/json"));
                bodies.Add(($"{field}=null", With(endpoint.Valid, field, null), "application/json"));
            }
            for (var i = 0; i < 10; i++)
            {
                var noise = new byte[random.Next(1, 400)];
                random.NextBytes(noise);
                bodies.Add(($"random bytes #{i}", noise, "application/json"));
                var valid = Encoding.UTF8.GetBytes(endpoint.Valid.ToJsonString());
                bodies.Add(($"truncated #{i}", valid[..random.Next(0, valid.Length - 1)], "application/json"));
            }
            foreach (var contentType in new[] { "text/plain", "application/xml", "multipart/form-data; boundary=x",
                "application/x-www-form-urlencoded" })
            {
                bodies.Add(($"as {contentType}", Encoding.UTF8.GetBytes(endpoint.Valid.ToJsonString()), contentType));
            }

            foreach (var (label, body, contentType) in bodies)
            {
                using var request = new HttpRequestMessage(
                    endpoint.Method, endpoint.Path) { Content = new ByteArrayContent(body) };
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                request.Headers.TryAddWithoutValidation("If-Match", etag);
                if (random.Next(4) == 0)
                {
                    request.Headers.TryAddWithoutValidation("Idempotency-Key", $"fuzz-{random.Next()}");
                }
                using var response = await fixture.Admin.SendAsync(request, Ct);
                var status = (int)response.StatusCode;
                Assert.True(status is >= 400 and < 500,
                    $"{endpoint.Method} {endpoint.Path} with {label}: {status} "
                    + await response.Content.ReadAsStringAsync(Ct));
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                sent++;
            }
        }

        Assert.True(sent > 400, $"Only {sent} requests were sent.");
        Assert.Equal(before, await SnapshotAsync());
        Assert.Empty(await fixture.LedgerMismatchesAsync());
    }

    [Fact]
    public async Task Bad_csv_files_odd_paths_and_odd_queries_never_give_a_5xx_and_change_nothing()
    {
        await SeedAsync();
        var random = new Random(Seed + 1);
        var before = await SnapshotAsync();
        var requests = new List<Func<Task<HttpResponseMessage>>>();

        for (var i = 0; i < 25; i++)
        {
            var noise = new byte[random.Next(0, 3000)];
            random.NextBytes(noise);
            requests.Add(() => Send(HttpMethod.Post, "/api/items/import", noise, "text/csv"));
        }
        foreach (var csv in new[] { "sku,name\n\"unterminated", "sku,name\nA,B,C,D,E\nX", "\ufeffsku;name\nA;B",
            "sku,name\n,\n", "sku,name\nA,\u202Eevil\u0000\n" })
        {
            requests.Add(() => Send(HttpMethod.Post, "/api/items/import", Encoding.UTF8.GetBytes(csv), "text/csv"));
        }
        // "%00" is refused by the test host's client before it reaches the API (Kestrel answers it 400 itself).
        foreach (var path in new[] { "..%2F..%2Fetc", "a%20b", new string('z', 300), "%F0%9F%94%A9", "x%C0%AF" })
        {
            requests.Add(() => Send(
                HttpMethod.Put, $"/api/items/{path}", Encoding.UTF8.GetBytes("""{"name":"n"}"""), "application/json"));
            requests.Add(() => Send(HttpMethod.Delete, $"/api/items/{path}", [], null));
            requests.Add(() => fixture.Admin.GetAsync($"/api/items/{path}/movements", Ct));
            requests.Add(() => fixture.Admin.GetAsync($"/api/locations/{path}", Ct));
        }
        foreach (var query in new[]
        {
            "limit=99999999999999999999", "limit=-1", "limit=abc", "lowStock=perhaps", "includeArchived=2",
            "sort=%00", "search=%00", "search=%25%5F%5C", "category=%E2%80%AE", "cursor=" + new string('A', 2000),
            "cursor=eyJzIjoiaXRlbXM6c2t1In0", "cursor=%FF%FE",
        })
        {
            requests.Add(() => fixture.Admin.GetAsync($"/api/items?{query}", Ct));
        }

        foreach (var send in requests)
        {
            using var response = await send();
            Assert.True((int)response.StatusCode < 500,
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} "
                + await response.Content.ReadAsStringAsync(Ct));
        }
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Unusual_but_valid_unicode_is_stored_and_read_back_exactly()
    {
        var sku = ApiFixture.Unique("UNI");
        const string name = "Ünïcödé 🔩 bolt \u200d\u202e reversed — 漢字 e\u0301";
        await fixture.Admin.CreateItemAsync(sku, name: name, category: "Категория");

        using var response = await fixture.Reader.GetAsync($"/api/items/{sku}", Ct);

        var item = await response.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(name, item.GetProperty("name").GetString());
        Assert.Equal("Категория", item.GetProperty("category").GetString());
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, byte[] body, string? contentType)
    {
        var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        request.Headers.TryAddWithoutValidation("If-Match", "*");
        return fixture.Admin.SendAsync(request, Ct);
    }

    private async Task<(string Sku, string From, string To)> SeedAsync()
    {
        var sku = ApiFixture.Unique("FUZZ");
        var (from, to) = (ApiFixture.Unique("FROM"), ApiFixture.Unique("TO"));
        await fixture.Admin.CreateItemAsync(sku);
        await fixture.Admin.CreateLocationAsync(from);
        await fixture.Admin.CreateLocationAsync(to);
        await fixture.Operator.ReceiveAsync(sku, from, 10);
        return (sku, from, to);
    }

    private static byte[] With(JsonObject valid, string field, JsonNode? value)
    {
        var body = valid.DeepClone().AsObject();
        body[field] = value?.DeepClone();
        return Encoding.UTF8.GetBytes(
            body.ToJsonString().Replace(LoneSurrogate, "lone \\ud800 surrogate", StringComparison.Ordinal));
    }

    private static byte[] Without(JsonObject valid, string field)
    {
        var body = valid.DeepClone().AsObject();
        body.Remove(field);
        return Encoding.UTF8.GetBytes(body.ToJsonString());
    }

    private static string Shorten(string? text) => text is null ? "null" : text.Length <= 30 ? text : text[..30] + "…";

    /// <summary>
    /// Everything a write could change: items (with row versions), locations, stock, ledger, idempotency records.
    /// </summary>
    private Task<string> SnapshotAsync() => fixture.WithDatabaseAsync(async db =>
    {
        var items = await db.Items.OrderBy(i => i.Id)
            .Select(i => i.Sku + "|" + i.Name + "|" + i.Description + "|" + i.Category + "|" + i.Unit + "|"
                + i.ReorderPoint + "|" + i.Archived + "|" + i.Version)
            .ToListAsync(Ct);
        var locations = await db.Locations.OrderBy(l => l.Id).Select(l => l.Code + "|" + l.Name).ToListAsync(Ct);
        var stock = await db.StockLevels.OrderBy(s => s.ItemId).ThenBy(s => s.LocationId)
            .Select(s => s.ItemId + "/" + s.LocationId + "=" + s.Quantity).ToListAsync(Ct);
        var movements = await db.StockMovements.CountAsync(Ct);
        var keys = await db.IdempotencyRecords.CountAsync(Ct);
        return string.Join('\n',
            items.Concat(locations).Concat(stock).Append($"movements={movements}").Append($"keys={keys}"));
    });
}
