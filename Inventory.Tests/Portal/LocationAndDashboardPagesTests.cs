using Inventory.Api.Auth;
using Inventory.Tests.Infrastructure.ApiTests;
using Inventory.Tests.Infrastructure.PortalTests;
using Microsoft.Playwright;
using static Inventory.Tests.Api.ApiCalls;
using static Inventory.Tests.Portal.StockPortal;

namespace Inventory.Tests.Portal;

/// <summary>Locations (list, one with its stock, a new one) and the dashboard.</summary>
[Collection(PortalTestGroup.Name)]
public sealed class LocationAndDashboardPagesTests(PortalFixture fixture)
{
    [Fact]
    public async Task A_new_location_is_listed_and_shows_the_stock_it_holds_as_the_API_does()
    {
        using var admin = fixture.Admin();
        var sku = ApiFixture.Unique("LOCITEM");
        await admin.CreateItemAsync(sku);
        var code = ApiFixture.Unique("BIN");
        var (page, _) = await fixture.NewSignedInPageAsync(ApiRoles.Admin);

        await page.GotoAsync("/locations/new");
        await CheckPageAsync(page, "location-new");
        await page.GetByLabel("Code").FillAsync(code);
        await page.GetByLabel("Name").FillAsync("Bin by the door");
        await page.ClickButtonAsync("Create location");
        await page.WaitForURLAsync($"**/locations/{code}");
        await admin.ReceiveAsync(sku, code, 6);

        await page.GotoAsync("/locations");
        await Assertions.Expect(page.Link(code)).ToBeVisibleAsync();
        await CheckPageAsync(page, "locations");
        await page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = code }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Level = 1 }))
            .ToContainTextAsync("Bin by the door");
        await Assertions.Expect(page.GetByRole(AriaRole.Row, new PageGetByRoleOptions { Name = sku }))
            .ToContainTextAsync("6");
        await CheckPageAsync(page, "location");
        using (var location = await admin.GetAsync($"/api/locations/{code}", Ct))
        {
            var held = (await location.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("stock")[0];
            Assert.Equal(sku, held.GetProperty("sku").GetString());
            Assert.Equal(6, held.GetProperty("quantity").GetInt64());
        }

        await page.GotoAsync("/locations/new");
        await page.GetByLabel("Code").FillAsync(code.ToLowerInvariant());
        await page.GetByLabel("Name").FillAsync("Twin");
        await page.ClickButtonAsync("Create location");
        await Assertions.Expect(page.Locator("#code-error")).ToContainTextAsync("is taken");

        var missing = await page.GotoAsync("/locations/NO-SUCH-BIN");
        Assert.Equal(404, missing!.Status);
    }

    [Fact]
    public async Task The_dashboard_lists_low_items_and_who_moved_what_recently()
    {
        using var admin = fixture.Admin();
        var sku = ApiFixture.Unique("DASH");
        var location = ApiFixture.Unique("LOC");
        await admin.CreateItemAsync(sku, reorderPoint: 1_000_000_000);
        await admin.CreateLocationAsync(location);
        var (page, user) = await fixture.NewSignedInPageAsync(ApiRoles.Operator);
        await page.GotoAsync($"/stock/receive?sku={sku}");
        await page.LocationField().FillAsync(location);
        await page.GetByLabel("Reason").FillAsync("dashboard check");
        await page.GetByLabel("SKU").PressAsync("Enter");
        await page.WaitForURLAsync("**/stock/receive?recorded=*");

        await page.GotoAsync("/");
        var recent = page.Table("The latest stock movements, newest first");
        var row = recent.GetByRole(AriaRole.Row).Filter(new LocatorFilterOptions { HasText = sku });
        await Assertions.Expect(row).ToContainTextAsync(user);
        await Assertions.Expect(row).ToContainTextAsync("Received 1");
        await Assertions.Expect(row).ToContainTextAsync("dashboard check");
        await CheckAtEveryWidthAsync(page, "dashboard");
    }
}
