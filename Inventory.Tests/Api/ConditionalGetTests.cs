using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Inventory.Tests.Infrastructure.ApiTests;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>ETags that change with every change of the body; conditional GETs answered 304 without a body.</summary>
public sealed class ConditionalGetTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_stock_movement_changes_the_item_etag_and_an_old_one_no_longer_answers_304()
    {
        var (sku, location) = await fixture.Admin.CreateItemAndLocationAsync("Tag");
        var (before, beforeBody) = await GetAsync($"/api/items/{sku}");

        await fixture.Operator.ReceiveAsync(sku, location, 3);

        var (after, afterBody) = await GetAsync($"/api/items/{sku}");
        Assert.NotEqual(beforeBody, afterBody);
        Assert.NotEqual(before, after);
        Assert.False(after.IsWeak);
        using var stale = await ConditionalGetAsync($"/api/items/{sku}", before.ToString());
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal(after, stale.Headers.ETag);
        Assert.Equal(afterBody, await stale.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task If_none_match_with_the_current_etag_answers_304_with_the_etag_and_no_body()
    {
        var (sku, location) = await fixture.Admin.CreateItemAndLocationAsync("Same");
        await fixture.Operator.ReceiveAsync(sku, location, 4);
        var (etag, _) = await GetAsync($"/api/items/{sku}");

        foreach (var ifNoneMatch in new[] { etag.ToString(), $"\"other\", {etag}", $"W/{etag}", "*" })
        {
            using var response = await ConditionalGetAsync($"/api/items/{sku}", ifNoneMatch);

            Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
            Assert.Equal(etag, response.Headers.ETag);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync(Ct));
        }
        using var unknown = await ConditionalGetAsync($"/api/items/{ApiFixture.Unique("none")}", "*");
        await unknown.ReadProblemAsync(HttpStatusCode.NotFound, "item-not-found");
    }

    [Fact]
    public async Task The_created_and_the_updated_item_carry_the_etag_a_get_then_shows()
    {
        var sku = ApiFixture.Unique("Echo");
        using var created = await fixture.Admin.PostAsJsonAsync("/api/items", new { sku, name = "First" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using (var unchanged = await ConditionalGetAsync($"/api/items/{sku}", created.Headers.ETag!.ToString()))
        {
            Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        }

        using var updated = await PutAsync(sku, new { name = "Second" }, created.Headers.ETag!);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        using var afterUpdate = await ConditionalGetAsync($"/api/items/{sku}", updated.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.NotModified, afterUpdate.StatusCode);
    }

    [Fact]
    public async Task An_etag_read_before_a_stock_movement_still_allows_an_edit_but_not_after_another_edit()
    {
        var (sku, location) = await fixture.Admin.CreateItemAndLocationAsync("Edit");
        var (read, _) = await GetAsync($"/api/items/{sku}");
        await fixture.Operator.ReceiveAsync(sku, location, 2);

        // The edit writes only the item's own fields, which no stock movement touches.
        using var edit = await PutAsync(sku, new { name = "Edited after a receipt" }, read);
        var edited = await edit.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(2, edited.GetProperty("onHand").GetInt64());
        Assert.NotEqual(read, edit.Headers.ETag);

        using var lost = await PutAsync(sku, new { name = "Lost update" }, read);
        await lost.ReadProblemAsync(HttpStatusCode.PreconditionFailed, "stale-etag");
        var weakTag = new EntityTagHeaderValue(edit.Headers.ETag!.Tag, isWeak: true);
        using var weak = await PutAsync(sku, new { name = "Weak" }, weakTag);
        await weak.ReadProblemAsync(HttpStatusCode.PreconditionFailed, "stale-etag");
    }

    [Fact]
    public async Task A_listing_page_answers_304_until_a_row_its_membership_or_its_next_cursor_changes()
    {
        var prefix = ApiFixture.Unique("PAGE");
        var location = ApiFixture.Unique("PLOC");
        await fixture.Admin.CreateLocationAsync(location);
        foreach (var suffix in new[] { "b", "d", "f" })
        {
            await fixture.Admin.CreateItemAsync($"{prefix}-{suffix}");
        }
        var url = $"/api/items?search={prefix}&limit=2";
        var (first, _) = await GetAsync(url);
        Assert.Equal(first, (await GetAsync(url)).ETag);
        using (var unchanged = await ConditionalGetAsync(url, first.ToString()))
        {
            Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
            Assert.Equal(first, unchanged.Headers.ETag);
            Assert.Empty(await unchanged.Content.ReadAsByteArrayAsync(Ct));
        }

        // A row on the page changes (its on-hand total).
        await fixture.Operator.ReceiveAsync($"{prefix}-b", location, 1);
        var rowChanged = await ExpectChangedAsync(url, first);

        // The page's membership changes: a new item sorts into it.
        await fixture.Admin.CreateItemAsync($"{prefix}-a");
        var membershipChanged = await ExpectChangedAsync(url, rowChanged);

        // Only the next cursor changes: the items after the page go, its rows stay as they were.
        foreach (var suffix in new[] { "d", "f" })
        {
            using var archive = await fixture.Admin.DeleteAsync($"/api/items/{prefix}-{suffix}", Ct);
            Assert.Equal(HttpStatusCode.NoContent, archive.StatusCode);
        }
        using var cursorChanged = await ConditionalGetAsync(url, membershipChanged.ToString());
        var page = await cursorChanged.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal([$"{prefix}-a", $"{prefix}-b"],
            page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("sku").GetString()));
        Assert.Equal(JsonValueKind.Null, page.GetProperty("nextCursor").ValueKind);
        Assert.NotNull(cursorChanged.Headers.ETag);
        Assert.NotEqual(membershipChanged, cursorChanged.Headers.ETag);
    }

    /// <summary>The old ETag no longer answers 304; returns the new one.</summary>
    private async Task<EntityTagHeaderValue> ExpectChangedAsync(string url, EntityTagHeaderValue old)
    {
        using var response = await ConditionalGetAsync(url, old.ToString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(response.Headers.ETag);
        Assert.NotEqual(old, response.Headers.ETag);
        return response.Headers.ETag!;
    }

    private async Task<(EntityTagHeaderValue ETag, string Body)> GetAsync(string url)
    {
        using var response = await fixture.Reader.GetAsync(url, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {body}");
        Assert.NotNull(response.Headers.ETag);
        return (response.Headers.ETag!, body);
    }

    private async Task<HttpResponseMessage> ConditionalGetAsync(string url, string ifNoneMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        return await fixture.Reader.SendAsync(request, Ct);
    }

    private async Task<HttpResponseMessage> PutAsync(string sku, object body, EntityTagHeaderValue ifMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/items/{sku}")
        {
            Content = JsonContent.Create(body),
        };
        request.Headers.IfMatch.Add(ifMatch);
        return await fixture.Admin.SendAsync(request, Ct);
    }
}
