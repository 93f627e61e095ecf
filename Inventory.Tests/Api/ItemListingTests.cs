using Inventory.Tests.Infrastructure.ApiTests;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>
/// The listing without filters, which runs SQL written by hand, against the filtered one (EF Core LINQ) and against the
/// catalogue the test made: this class has a database of its own, so every item listed is one of its items.
/// </summary>
public sealed class ItemListingTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Paging_through_the_catalogue_without_filters_lists_every_live_item_once_in_order_with_its_stock()
    {
        // SKUs that differ in case sort by their lower-case key; names are plain capitalised ASCII, so every collation
        // orders them alike. Two items share a name: the id breaks the tie, in creation order.
        var catalogue = new (string Sku, string Name)[]
        {
            ("delta-4", "Echo"), ("Alpha-1", "Charlie"), ("bravo-2", "Alpha"), ("CHARLIE-3", "Delta"),
            ("echo-5", "Bravo"), ("Foxtrot-6", "Alpha"), ("golf-7", "Golf"),
        };
        foreach (var (sku, name) in catalogue)
        {
            await fixture.Admin.CreateItemAsync(sku, name: name);
        }
        var location = ApiFixture.Unique("LOC");
        await fixture.Admin.CreateLocationAsync(location);
        await fixture.Operator.ReceiveAsync("CHARLIE-3", location, 12);
        await fixture.Operator.ReceiveAsync("golf-7", location, 5);
        using (var archive = await fixture.Admin.DeleteAsync("/api/items/echo-5", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, archive.StatusCode);
        }

        var bySku = await WalkAsync(limit: 2);
        var byName = await WalkAsync(limit: 3, "sort=name");

        Assert.Equal(["Alpha-1", "bravo-2", "CHARLIE-3", "delta-4", "Foxtrot-6", "golf-7"], bySku.Select(i => i.Sku));
        Assert.Equal(["bravo-2", "Foxtrot-6", "Alpha-1", "CHARLIE-3", "delta-4", "golf-7"], byName.Select(i => i.Sku));
        Assert.Equal(12, bySku.Single(i => i.Sku == "CHARLIE-3").OnHand);
        Assert.Equal(5, byName.Single(i => i.Sku == "golf-7").OnHand);
        Assert.All(bySku.Where(i => i.Sku is not ("CHARLIE-3" or "golf-7")), i => Assert.Equal(0, i.OnHand));
        // The filtered listing (composed per request) agrees once the archived item is taken out of it.
        var withArchived = await WalkAsync(limit: 2, "includeArchived=true");
        Assert.Equal(bySku, withArchived.Where(i => i.Sku != "echo-5"));
        var withArchivedByName = await WalkAsync(limit: 4, "includeArchived=true&sort=name");
        Assert.Equal(byName, withArchivedByName.Where(i => i.Sku != "echo-5"));
    }

    private sealed record Listed(string Sku, string Name, long OnHand, bool Archived);

    /// <summary>
    /// Follows nextCursor from the first page to the last, checking that no page is longer than asked.
    /// </summary>
    private async Task<List<Listed>> WalkAsync(int limit, string query = "")
    {
        var url = $"/api/items?limit={limit}&{query}";
        var all = new List<Listed>();
        string? cursor = null;
        do
        {
            using var response = await fixture.Reader.GetAsync(
                cursor is null ? url : $"{url}&cursor={Uri.EscapeDataString(cursor)}", Ct);
            var page = await response.ReadJsonAsync(HttpStatusCode.OK);
            var items = page.GetProperty("items").EnumerateArray().Select(i => new Listed(
                i.GetProperty("sku").GetString()!, i.GetProperty("name").GetString()!,
                i.GetProperty("onHand").GetInt64(), i.GetProperty("archived").GetBoolean())).ToList();
            Assert.InRange(items.Count, 1, limit);
            all.AddRange(items);
            cursor = page.GetProperty("nextCursor").GetString();
            Assert.True(all.Count < 100, "the listing never ends");
        }
        while (cursor is not null);
        return all;
    }
}
