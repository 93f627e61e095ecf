using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Inventory.Tests.Infrastructure.ApiTests;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>Items: create, read, ETag-guarded update, archive, filtered keyset listing.</summary>
public sealed class ItemsApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Create_answers_201_with_location_etag_and_defaults()
    {
        var sku = ApiFixture.Unique("Bolt.M6_x");

        using var response = await fixture.Admin.PostAsJsonAsync("/api/items", new { sku, name = "Hex bolt M6 🔩" }, Ct);

        var item = await response.ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal($"/api/items/{sku}", response.Headers.Location?.OriginalString);
        Assert.NotNull(response.Headers.ETag);
        Assert.False(response.Headers.ETag!.IsWeak);
        Assert.Equal(sku, item.GetProperty("sku").GetString());
        Assert.Equal("Hex bolt M6 🔩", item.GetProperty("name").GetString());
        Assert.Equal("pcs", item.GetProperty("unit").GetString());
        Assert.Equal(0, item.GetProperty("reorderPoint").GetInt32());
        Assert.False(item.GetProperty("archived").GetBoolean());
        Assert.Equal(0, item.GetProperty("onHand").GetInt64());
    }

    [Fact]
    public async Task A_sku_differing_only_in_case_is_a_duplicate_409_and_the_original_is_kept()
    {
        var sku = ApiFixture.Unique("Case");
        await fixture.Admin.CreateItemAsync(sku, name: "Original");

        using var duplicate =
            await fixture.Admin.PostAsJsonAsync("/api/items", new { sku = sku.ToUpperInvariant(), name = "Copy" }, Ct);

        await duplicate.ReadProblemAsync(HttpStatusCode.Conflict, "duplicate-sku");
        using var get = await fixture.Reader.GetAsync($"/api/items/{sku.ToLowerInvariant()}", Ct);
        var item = await get.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(sku, item.GetProperty("sku").GetString());
        Assert.Equal("Original", item.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("""{"name":"no sku"}""", "sku")]
    [InlineData("""{"sku":"has space","name":"x"}""", "sku")]
    [InlineData("""{"sku":"ok-1","name":""}""", "name")]
    [InlineData("""{"sku":"ok-2","name":"x","reorderPoint":-1}""", "reorderPoint")]
    [InlineData("""{"sku":"ok-3","name":"x","unit":""}""", "unit")]
    [InlineData("""{"sku":"ok-4","name":"bell\u0007"}""", "name")]
    public async Task Create_with_invalid_fields_is_a_400_naming_each_field(string json, string field)
    {
        using var response = await fixture.Admin.PostJsonTextAsync("/api/items", json);

        await response.ReadValidationProblemAsync(field);
    }

    [Fact]
    public async Task Get_unknown_item_is_404_problem()
    {
        using var response = await fixture.Reader.GetAsync($"/api/items/{ApiFixture.Unique("missing")}", Ct);

        await response.ReadProblemAsync(HttpStatusCode.NotFound, "item-not-found");
    }

    [Fact]
    public async Task Get_shows_on_hand_total_stock_per_location_and_the_etag()
    {
        var sku = ApiFixture.Unique("Stocked");
        var (a, b) = (ApiFixture.Unique("LA"), ApiFixture.Unique("LB"));
        await fixture.Admin.CreateItemAsync(sku);
        await fixture.Admin.CreateLocationAsync(a);
        await fixture.Admin.CreateLocationAsync(b);
        await fixture.Operator.ReceiveAsync(sku, a, 7);
        await fixture.Operator.ReceiveAsync(sku, b, 5);

        using var response = await fixture.Reader.GetAsync($"/api/items/{sku}", Ct);

        var item = await response.ReadJsonAsync(HttpStatusCode.OK);
        Assert.NotNull(response.Headers.ETag);
        Assert.Equal(12, item.GetProperty("onHand").GetInt64());
        var stock = item.GetProperty("stock").EnumerateArray()
            .ToDictionary(s => s.GetProperty("location").GetString()!, s => s.GetProperty("quantity").GetInt64());
        Assert.Equal(new Dictionary<string, long> { [a] = 7, [b] = 5 }, stock);
    }

    [Fact]
    public async Task Update_needs_if_match_428_refuses_a_stale_etag_412_and_accepts_the_current_one()
    {
        var sku = ApiFixture.Unique("Etag");
        using var created = await fixture.Admin.PostAsJsonAsync("/api/items", new { sku, name = "First" }, Ct);
        var firstTag = created.Headers.ETag!;

        using (var missing = await fixture.Admin.PutAsJsonAsync(
            $"/api/items/{sku}", new { name = "No precondition" }, Ct))
        {
            await missing.ReadProblemAsync(HttpStatusCode.PreconditionRequired, "if-match-required");
        }

        using var first = await PutAsync(sku, new { name = "Second", category = "Tools", reorderPoint = 4 }, firstTag);
        var updated = await first.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("Second", updated.GetProperty("name").GetString());
        Assert.Equal("Tools", updated.GetProperty("category").GetString());
        Assert.Equal(4, updated.GetProperty("reorderPoint").GetInt32());
        var secondTag = first.Headers.ETag!;
        Assert.NotEqual(firstTag, secondTag);

        using (var stale = await PutAsync(sku, new { name = "Lost update" }, firstTag))
        {
            await stale.ReadProblemAsync(HttpStatusCode.PreconditionFailed, "stale-etag");
        }

        using var get = await fixture.Reader.GetAsync($"/api/items/{sku}", Ct);
        Assert.Equal("Second", (await get.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("name").GetString());
        Assert.Equal(secondTag, get.Headers.ETag);
    }

    [Fact]
    public async Task Two_updates_with_the_same_etag_racing_one_wins_and_the_other_gets_412()
    {
        var sku = ApiFixture.Unique("Race");
        using var created = await fixture.Admin.PostAsJsonAsync("/api/items", new { sku, name = "Start" }, Ct);
        var tag = created.Headers.ETag!;

        var responses = await Task.WhenAll(
            Enumerable.Range(0, 8).Select(i => PutAsync(sku, new { name = $"Writer {i}" }, tag)));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(7, responses.Count(r => r.StatusCode == HttpStatusCode.PreconditionFailed));
        var winner = await responses.Single(r => r.StatusCode == HttpStatusCode.OK).ReadJsonAsync(HttpStatusCode.OK);
        using var get = await fixture.Reader.GetAsync($"/api/items/{sku}", Ct);
        Assert.Equal(winner.GetProperty("name").GetString(),
            (await get.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("name").GetString());
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Update_of_an_unknown_item_is_404_and_invalid_fields_are_400()
    {
        using (var unknown = await PutAsync(
            ApiFixture.Unique("nope"), new { name = "x" }, new EntityTagHeaderValue("\"1\"")))
        {
            await unknown.ReadProblemAsync(HttpStatusCode.NotFound, "item-not-found");
        }
        var sku = ApiFixture.Unique("Valid");
        await fixture.Admin.CreateItemAsync(sku);
        using var invalid = await PutAsync(
            sku, new { name = "", reorderPoint = -5 }, new EntityTagHeaderValue("\"1\""));
        await invalid.ReadValidationProblemAsync("name", "reorderPoint");
    }

    [Fact]
    public async Task Archive_is_refused_409_while_stock_is_on_hand_then_204_and_the_item_leaves_the_list()
    {
        var sku = ApiFixture.Unique("Archive");
        var location = ApiFixture.Unique("LOC");
        await fixture.Admin.CreateItemAsync(sku);
        await fixture.Admin.CreateLocationAsync(location);
        await fixture.Operator.ReceiveAsync(sku, location, 3);

        using (var refused = await fixture.Admin.DeleteAsync($"/api/items/{sku}", Ct))
        {
            var problem = await refused.ReadProblemAsync(HttpStatusCode.Conflict, "stock-on-hand");
            Assert.Equal(3, problem.GetProperty("onHand").GetInt64());
        }

        using (var issue = await fixture.Operator.PostAsJsonAsync(
            "/api/stock/issues", new { sku, location, quantity = 3 }, Ct))
        {
            await issue.ReadJsonAsync(HttpStatusCode.Created);
        }
        using (var archived = await fixture.Admin.DeleteAsync($"/api/items/{sku}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, archived.StatusCode);
        }

        Assert.DoesNotContain(sku, await ListSkusAsync($"/api/items?search={sku}"));
        Assert.Contains(sku, await ListSkusAsync($"/api/items?search={sku}&includeArchived=true"));
        using var get = await fixture.Reader.GetAsync($"/api/items/{sku}", Ct);
        Assert.True((await get.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("archived").GetBoolean());
        using var receipt = await fixture.Operator.PostAsJsonAsync(
            "/api/stock/receipts", new { sku, location, quantity = 1 }, Ct);
        await receipt.ReadProblemAsync(HttpStatusCode.Conflict, "item-archived");
        using var unknown = await fixture.Admin.DeleteAsync($"/api/items/{ApiFixture.Unique("none")}", Ct);
        await unknown.ReadProblemAsync(HttpStatusCode.NotFound, "item-not-found");
    }

    [Fact]
    public async Task Listing_pages_through_every_match_once_in_sku_order_with_opaque_cursors()
    {
        var prefix = ApiFixture.Unique("Page");
        var skus = Enumerable.Range(0, 23).Select(i => $"{prefix}-{(char)('a' + i % 26)}{i:00}").ToList();
        foreach (var sku in skus.OrderBy(_ => Guid.NewGuid()))
        {
            await fixture.Admin.CreateItemAsync(sku);
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var url = $"/api/items?search={prefix}&limit=5" + (cursor is null ? "" : $"&cursor={cursor}");
            using var response = await fixture.Reader.GetAsync(url, Ct);
            var page = await response.ReadJsonAsync(HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("sku").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 20);

        Assert.Equal(5, pages);
        Assert.Equal(skus.OrderBy(s => s.ToLowerInvariant(), StringComparer.Ordinal).ToList(), seen);
    }

    [Fact]
    public async Task Listing_by_name_filters_by_category_and_low_stock()
    {
        var tag = ApiFixture.Unique("Filter");
        var location = ApiFixture.Unique("FLOC");
        await fixture.Admin.CreateLocationAsync(location);
        var low = $"{tag}-low";
        var fine = $"{tag}-fine";
        var other = $"{tag}-other";
        await fixture.Admin.CreateItemAsync(low, reorderPoint: 10, name: $"{tag} Zeta", category: "Widgets");
        await fixture.Admin.CreateItemAsync(fine, reorderPoint: 10, name: $"{tag} Alpha", category: "widgets");
        await fixture.Admin.CreateItemAsync(other, reorderPoint: 0, name: $"{tag} Mid", category: "Gadgets");
        await fixture.Operator.ReceiveAsync(low, location, 4);
        await fixture.Operator.ReceiveAsync(fine, location, 40);
        await fixture.Operator.ReceiveAsync(other, location, 1);

        Assert.Equal([fine, other, low], await ListSkusAsync($"/api/items?search={tag}&sort=name"));
        Assert.Equal([fine, low], await ListSkusAsync($"/api/items?search={tag}&category=WIDGETS&sort=name"));
        Assert.Equal([low], await ListSkusAsync($"/api/items?search={tag}&lowStock=true"));
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("sort=price", "sort")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    public async Task Listing_with_bad_paging_is_a_400_naming_the_parameter(string query, string field)
    {
        using var response = await fixture.Reader.GetAsync($"/api/items?{query}", Ct);

        await response.ReadValidationProblemAsync(field);
    }

    [Fact]
    public async Task A_cursor_from_another_sort_order_is_refused()
    {
        var prefix = ApiFixture.Unique("Sort");
        await fixture.Admin.CreateItemAsync($"{prefix}-1");
        await fixture.Admin.CreateItemAsync($"{prefix}-2");
        using var first = await fixture.Reader.GetAsync($"/api/items?search={prefix}&limit=1", Ct);
        var cursor = (await first.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("nextCursor").GetString();
        Assert.NotNull(cursor);

        using var response = await fixture.Reader.GetAsync(
            $"/api/items?search={prefix}&limit=1&sort=name&cursor={cursor}", Ct);

        await response.ReadValidationProblemAsync("cursor");
    }

    private async Task<HttpResponseMessage> PutAsync(string sku, object body, EntityTagHeaderValue ifMatch)
    {
        var request = new HttpRequestMessage(
            HttpMethod.Put, $"/api/items/{sku}") { Content = JsonContent.Create(body) };
        request.Headers.IfMatch.Add(ifMatch);
        return await fixture.Admin.SendAsync(request, Ct);
    }

    [Fact]
    public async Task A_cursor_from_a_filtered_listing_continues_the_unfiltered_one_after_the_same_item()
    {
        var prefix = ApiFixture.Unique("CUR");
        foreach (var suffix in new[] { "a", "b", "c" })
        {
            await fixture.Admin.CreateItemAsync($"{prefix}-{suffix}", name: $"Cursor {prefix} {suffix}");
        }
        using var archive = await fixture.Admin.DeleteAsync($"/api/items/{prefix}-b", Ct);
        Assert.Equal(HttpStatusCode.NoContent, archive.StatusCode);

        foreach (var sort in new[] { "sku", "name" })
        {
            using var filtered = await fixture.Reader.GetAsync($"/api/items?search={prefix}&limit=1&sort={sort}", Ct);
            var cursor = (await filtered.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("nextCursor").GetString();
            Assert.NotNull(cursor);

            using var unfiltered = await fixture.Reader.GetAsync(
                $"/api/items?limit=1&sort={sort}&cursor={Uri.EscapeDataString(cursor!)}", Ct);
            var page = await unfiltered.ReadJsonAsync(HttpStatusCode.OK);

            Assert.Equal([$"{prefix}-c"],
                page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("sku").GetString()));
        }
    }

    private async Task<List<string>> ListSkusAsync(string url)
    {
        using var response = await fixture.Reader.GetAsync(url, Ct);
        var page = await response.ReadJsonAsync(HttpStatusCode.OK);
        return page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("sku").GetString()!).ToList();
    }
}
