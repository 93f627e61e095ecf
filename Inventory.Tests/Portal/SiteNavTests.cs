using Inventory.Api.Auth;
using Inventory.Tests.Infrastructure.ApiTests;
using Inventory.Tests.Infrastructure.PortalTests;
using Microsoft.Playwright;
using static Inventory.Tests.Api.ApiCalls;
using static Inventory.Tests.Portal.StockPortal;

namespace Inventory.Tests.Portal;

/// <summary>The header's links by role, the current page marked; the item list's rows encoded as text.</summary>
[Collection(PortalTestGroup.Name)]
public sealed class SiteNavTests(PortalFixture fixture)
{
    private static readonly string[] Everyone = ["Dashboard", "Items", "Locations", "Low stock", "Export", "My account"];
    private static readonly string[] Operators = ["Receive", "Issue", "Transfer", "Count"];
    private static readonly string[] Admins = ["New item", "Import", "Users"];

    [Theory]
    [InlineData(ApiRoles.Reader)]
    [InlineData(ApiRoles.Operator)]
    [InlineData(ApiRoles.Admin)]
    public async Task The_header_shows_the_links_the_role_may_use_and_marks_the_current_page(string role)
    {
        var (page, _) = await fixture.NewSignedInPageAsync(role);
        string[] expected =
        [
            .. Everyone,
            .. role is ApiRoles.Operator or ApiRoles.Admin ? Operators : [],
            .. role is ApiRoles.Admin ? Admins : [],
        ];

        // Only Items is current: /items matches exactly, so neither the dashboard (/) nor New item (/items/new).
        await ExpectCurrentAsync(page, "/items?sort=name", "Items");
        var shown = await Nav(page).GetByRole(AriaRole.Link).AllInnerTextsAsync();
        Assert.Equal(expected.Order(), shown.Order());

        await ExpectCurrentAsync(page, "/locations", "Locations");
        await ExpectCurrentAsync(page, "/reports/low-stock", "Low stock");
    }

    [Fact]
    public async Task A_page_below_a_link_marks_it_and_the_dashboard_only_itself()
    {
        var (page, _) = await fixture.NewSignedInPageAsync(ApiRoles.Admin);

        await ExpectCurrentAsync(page, "/items/new", "New item");
        await ExpectCurrentAsync(page, "/account/password", "My account");
        await ExpectCurrentAsync(page, "/", "Dashboard");
    }

    [Fact]
    public async Task Names_categories_and_skus_in_the_item_list_are_text_never_markup()
    {
        using var admin = fixture.Admin();
        var sku = ApiFixture.Unique("ENC");
        const string name = "<img src=x onerror=alert(1)> & \"quoted\" 'Ø5' </td>";
        var category = ApiFixture.Unique("<b>cat</b>");
        await admin.CreateItemAsync(sku, name: name, category: category);
        var (page, _) = await fixture.NewSignedInPageAsync(ApiRoles.Operator);

        await page.GotoAsync($"/items?category={Uri.EscapeDataString(category)}");

        var row = page.Locator("table.items tbody tr");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row.Locator("td").Nth(0)).ToHaveTextAsync(name);
        await Assertions.Expect(row.Locator("td").Nth(1)).ToHaveTextAsync(category);
        await Assertions.Expect(page.Locator("table.items img, table.items b")).ToHaveCountAsync(0);
        await Assertions.Expect(row.Locator("td")).ToHaveCountAsync(5);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = sku, Exact = true }))
            .ToHaveAttributeAsync("href", $"/items/{sku}");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = $"Issue {sku}" }))
            .ToHaveAttributeAsync("href", $"/stock/issue?sku={sku}");
    }

    private static ILocator Nav(IPage page) => page.GetByRole(AriaRole.Navigation, new() { Name = "Main" });

    /// <summary>Opens <paramref name="path"/>; the header marks <paramref name="link"/>, and only it, as the page.</summary>
    private static async Task ExpectCurrentAsync(IPage page, string path, string link)
    {
        await page.GotoAsync(path);
        await Assertions.Expect(Nav(page).Locator("[aria-current=page]")).ToHaveTextAsync([link]);
    }
}
