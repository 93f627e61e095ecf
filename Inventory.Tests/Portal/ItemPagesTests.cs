using System.Text.Json;
using Inventory.Api.Auth;
using Inventory.Tests.Infrastructure.ApiTests;
using Inventory.Tests.Infrastructure.PortalTests;
using Microsoft.Playwright;
using static Inventory.Tests.Api.ApiCalls;
using static Inventory.Tests.Portal.StockPortal;

namespace Inventory.Tests.Portal;

/// <summary>The item list, an item, a new item, an edit guarded by the item's version, archive and restore.</summary>
[Collection(PortalTestGroup.Name)]
public sealed class ItemPagesTests(PortalFixture fixture)
{
    [Fact]
    public async Task The_list_filters_and_pages_as_the_API_does_with_the_filters_in_the_URL()
    {
        using var admin = fixture.Admin();
        var category = ApiFixture.Unique("Cat");
        var skus = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var sku = ApiFixture.Unique($"LIST{i}");
            await admin.CreateItemAsync(sku, reorderPoint: i == 1 ? 5 : 0, category: category);
            skus.Add(sku);
        }
        var (page, _) = await fixture.NewSignedInPageAsync(ApiRoles.Operator);

        await page.GotoAsync("/items");
        await page.GetByLabel("Category").FillAsync(category);
        await page.GetByLabel("Sort by").SelectOptionAsync("name");
        await page.ClickButtonAsync("Show");
        await page.WaitForURLAsync(url => url.Contains($"category={category}", StringComparison.Ordinal)
            && url.Contains("sort=name", StringComparison.Ordinal));
        await CheckAtEveryWidthAsync(page, "items-list");

        // A page of two, then the next page by the API's cursor: the same rows as GET /api/items.
        await page.GotoAsync($"/items?category={category}&limit=2");
        var first = await SkusShownAsync(page);
        await page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Next page" }).ClickAsync();
        var second = await SkusShownAsync(page);
        Assert.Equal(await ApiSkusAsync(admin, $"category={category}"), [.. first, .. second]);
        Assert.Equal(2, first.Count);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Next page" }))
            .ToHaveCountAsync(0);

        await page.GotoAsync($"/items?category={category}&lowStock=true");
        Assert.Equal([skus[1]], await SkusShownAsync(page));
        await Assertions.Expect(page.GetByLabel("Low stock only")).ToBeCheckedAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = $"Receive {skus[1]}" }))
            .ToHaveAttributeAsync("href", $"/stock/receive?sku={skus[1]}");

        var bad = await page.GotoAsync("/items?sort=price&cursor=nonsense");
        Assert.Equal(400, bad!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The sort must be sku or name.");
        bad = await page.GotoAsync("/items?cursor=nonsense");
        Assert.Equal(400, bad!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("start again from the first page");
    }

    [Fact]
    public async Task A_new_item_is_created_a_taken_SKU_is_shown_on_its_field_and_an_unknown_one_is_the_404_page()
    {
        var (page, _) = await fixture.NewSignedInPageAsync(ApiRoles.Admin);
        var sku = ApiFixture.Unique("NEW");

        await page.GotoAsync("/items/new");
        await CheckPageAsync(page, "item-new");
        await page.GetByLabel("SKU").FillAsync(sku);
        await page.GetByLabel("Name").FillAsync("Hex bolt M8");
        await page.GetByLabel("Reorder point").FillAsync("12");
        await page.ClickButtonAsync("Create item");
        await page.WaitForURLAsync($"**/items/{sku}");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Level = 1 }))
            .ToContainTextAsync("Hex bolt M8");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Print label" }))
            .ToHaveAttributeAsync("href", $"/labels/items/{sku}");
        await CheckPageAsync(page, "item");
        using var admin = fixture.Admin();
        using (var created = await admin.GetAsync($"/api/items/{sku}", Ct))
        {
            Assert.Equal(12, (await created.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("reorderPoint").GetInt32());
        }

        await page.GotoAsync("/items/new");
        await page.GetByLabel("SKU").FillAsync(sku.ToLowerInvariant());
        await page.GetByLabel("Name").FillAsync("Another");
        await page.ClickButtonAsync("Create item");
        await Assertions.Expect(page.Locator("#sku-error")).ToContainTextAsync("is taken");
        await Assertions.Expect(page.GetByLabel("Name")).ToHaveValueAsync("Another");
        await CheckPageAsync(page, "item-new-taken");

        var missing = await page.GotoAsync("/items/NO-SUCH-ITEM");
        Assert.Equal(404, missing!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Level = 1 }))
            .ToHaveTextAsync("Page not found");
    }

    [Fact]
    public async Task An_edit_on_a_stale_form_shows_both_versions_and_overwrites_nothing()
    {
        using var admin = fixture.Admin();
        var sku = ApiFixture.Unique("EDIT");
        await admin.CreateItemAsync(sku, name: "Original");
        var (alice, _) = await fixture.NewSignedInPageAsync(ApiRoles.Admin);
        var (bob, _) = await fixture.NewSignedInPageAsync(ApiRoles.Admin);
        await alice.GotoAsync($"/items/{sku}/edit");
        await bob.GotoAsync($"/items/{sku}/edit");
        await CheckPageAsync(bob, "item-edit");

        await alice.GetByLabel("Name").FillAsync("Alice's name");
        await alice.ClickButtonAsync("Save");
        await alice.WaitForURLAsync($"**/items/{sku}?saved=true");

        await bob.GetByLabel("Name").FillAsync("Bob's name");
        await bob.GetByLabel("Reorder point").FillAsync("3");
        await bob.ClickButtonAsync("Save");
        await Assertions.Expect(bob.GetByRole(AriaRole.Alert)).ToContainTextAsync("Someone else changed this item");
        var name = bob.Table($"Your version and the current version of {sku}")
            .GetByRole(AriaRole.Row, new LocatorGetByRoleOptions { Name = "Name (differs)" });
        await Assertions.Expect(name).ToContainTextAsync("Bob's name");
        await Assertions.Expect(name).ToContainTextAsync("Alice's name");
        await Assertions.Expect(bob.GetByLabel("Name")).ToHaveValueAsync("Bob's name");
        await CheckPageAsync(bob, "item-edit-conflict");
        Assert.Equal("Alice's name", await NameAsync(admin, sku));

        // Having seen both, Bob may save his version on purpose.
        await bob.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Save my version over the current one" })
            .ClickAsync();
        await bob.WaitForURLAsync($"**/items/{sku}?saved=true");
        Assert.Equal("Bob's name", await NameAsync(admin, sku));
    }

    [Fact]
    public async Task Archive_is_refused_while_stock_is_on_hand_and_restore_brings_the_item_back()
    {
        using var admin = fixture.Admin();
        var (sku, location) = await admin.CreateItemAndLocationAsync("ARCH");
        await admin.ReceiveAsync(sku, location, 1);
        var (page, _) = await fixture.NewSignedInPageAsync(ApiRoles.Admin);

        await page.GotoAsync($"/items/{sku}");
        await page.ClickButtonAsync("Archive item");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("still has 1 on hand");

        await page.GotoAsync($"/stock/issue?sku={sku}");
        await page.LocationField().FillAsync(location);
        await page.GetByLabel("SKU").PressAsync("Enter");
        await page.WaitForURLAsync("**/stock/issue?recorded=*");
        await page.GotoAsync($"/items/{sku}");
        await page.ClickButtonAsync("Archive item");
        await Assertions.Expect(page.GetByText("This item is archived")).ToBeVisibleAsync();
        Assert.True(await ArchivedAsync(admin, sku));

        await page.ClickButtonAsync("Restore item");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Archive item" }))
            .ToBeVisibleAsync();
        Assert.False(await ArchivedAsync(admin, sku));
    }

    private static async Task<List<string>> SkusShownAsync(IPage page) =>
        [.. await page.Locator("table.items tbody th[scope=row]").AllInnerTextsAsync()];

    private static async Task<List<string>> ApiSkusAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync($"/api/items?{query}&sort=sku", Ct);
        var page = await response.ReadJsonAsync(HttpStatusCode.OK);
        return [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("sku").GetString()!)];
    }

    private static async Task<JsonElement> ItemAsync(HttpClient client, string sku)
    {
        using var response = await client.GetAsync($"/api/items/{sku}", Ct);
        return await response.ReadJsonAsync(HttpStatusCode.OK);
    }

    private static async Task<string?> NameAsync(HttpClient client, string sku) =>
        (await ItemAsync(client, sku)).GetProperty("name").GetString();

    private static async Task<bool> ArchivedAsync(HttpClient client, string sku) =>
        (await ItemAsync(client, sku)).GetProperty("archived").GetBoolean();
}
