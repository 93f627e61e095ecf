using Inventory.Tests.Infrastructure.ApiTests;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>An archived item is no dead end: an Admin restores it, and a CSV import reports it as archived.</summary>
public sealed class ArchivedItemsTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task An_admin_restores_an_archived_item_which_takes_stock_again_and_restoring_twice_is_the_same()
    {
        var (sku, location) = await fixture.Admin.CreateItemAndLocationAsync("Restore");
        await ArchiveAsync(sku);
        using var archived = await fixture.Reader.GetAsync($"/api/items/{sku}", Ct);
        Assert.Equal(HttpStatusCode.OK, archived.StatusCode);

        using var restored = await fixture.Admin.PostAsync($"/api/items/{sku.ToLowerInvariant()}/restore", null, Ct);

        var item = await restored.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(sku, item.GetProperty("sku").GetString());
        Assert.False(item.GetProperty("archived").GetBoolean());
        Assert.NotNull(restored.Headers.ETag);
        Assert.NotEqual(archived.Headers.ETag, restored.Headers.ETag);
        await fixture.Operator.ReceiveAsync(sku, location, 5);
        using (var listed = await fixture.Reader.GetAsync($"/api/items?search={sku}", Ct))
        {
            Assert.Equal([sku], (await listed.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray()
                .Select(i => i.GetProperty("sku").GetString()));
        }

        using var again = await fixture.Admin.PostAsync($"/api/items/{sku}/restore", null, Ct);
        var same = await again.ReadJsonAsync(HttpStatusCode.OK);
        Assert.False(same.GetProperty("archived").GetBoolean());
        Assert.Equal(5, same.GetProperty("onHand").GetInt64());
    }

    [Fact]
    public async Task Restore_is_404_for_an_unknown_sku_and_403_below_admin()
    {
        using (var unknown = await fixture.Admin.PostAsync($"/api/items/{ApiFixture.Unique("none")}/restore", null, Ct))
        {
            await unknown.ReadProblemAsync(HttpStatusCode.NotFound, "item-not-found");
        }
        var sku = ApiFixture.Unique("Kept");
        await fixture.Admin.CreateItemAsync(sku);
        await ArchiveAsync(sku);
        foreach (var client in new[] { fixture.Reader, fixture.Operator })
        {
            using var refused = await client.PostAsync($"/api/items/{sku}/restore", null, Ct);
            await refused.ReadProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }
        using var get = await fixture.Reader.GetAsync($"/api/items/{sku}", Ct);
        Assert.True((await get.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("archived").GetBoolean());
    }

    [Fact]
    public async Task An_import_reports_archived_rows_as_archived_and_leaves_them_as_they_were()
    {
        var (kept, changed, fresh) = (ApiFixture.Unique("ARCH"), ApiFixture.Unique("ARCH"), ApiFixture.Unique("NEW"));
        await fixture.Admin.CreateItemAsync(kept, name: "Kept name");
        await fixture.Admin.CreateItemAsync(changed, name: "Old name");
        await ArchiveAsync(kept);
        await ArchiveAsync(changed);

        using var response = await fixture.Admin.PostJsonTextAsync("/api/items/import", $"""
            sku,name
            {kept},Kept name
            {changed.ToLowerInvariant()},New name
            {fresh},Fresh
            """, "text/csv");

        var summary = await response.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal((3, 1, 0, 0, 2), (summary.GetProperty("rows").GetInt32(),
            summary.GetProperty("created").GetInt32(), summary.GetProperty("updated").GetInt32(),
            summary.GetProperty("unchanged").GetInt32(), summary.GetProperty("archived").GetInt32()));
        Assert.Equal([kept, changed],
            summary.GetProperty("archivedSkus").EnumerateArray().Select(s => s.GetString()));
        using var get = await fixture.Reader.GetAsync($"/api/items/{changed}", Ct);
        var item = await get.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(("Old name", true),
            (item.GetProperty("name").GetString(), item.GetProperty("archived").GetBoolean()));
    }

    private async Task ArchiveAsync(string sku)
    {
        using var archive = await fixture.Admin.DeleteAsync($"/api/items/{sku}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, archive.StatusCode);
    }
}
