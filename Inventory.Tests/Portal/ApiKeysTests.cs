using System.Net.Http.Json;
using Inventory.Api.Auth;
using Inventory.Api.Portal;
using Inventory.Tests.Api;
using Inventory.Tests.Infrastructure.ApiTests;
using Inventory.Tests.Infrastructure.PortalTests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Inventory.Tests.Portal;

/// <summary>
/// "My API keys": a key made in the page works over HTTP as its user (the ledger names the person and the key), its
/// role follows the user's, and revoking or disabling stops it at once.
/// </summary>
[Collection(PortalTestGroup.Name)]
public sealed class ApiKeysTests(PortalFixture portal)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_key_made_in_the_page_acts_as_its_user_over_http_until_it_is_revoked()
    {
        var signedIn = await portal.NewSignedInPageAsync(ApiRoles.Operator);
        var page = signedIn.Page;
        var key = await CreateKeyAsync(page, "scanner", ApiRoles.Operator);
        Assert.StartsWith(UserApiKeys.KeyPrefix, key, StringComparison.Ordinal);
        await PortalAssert.NoAxeViolationsAsync(page);
        await PortalScreenshots.AttachAsync(page, "account-keys-created");
        // The browser's resubmit of the same form makes no second key: one active key per name.
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("already have an active key named scanner");
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "scanner" })).ToHaveCountAsync(1);

        using var admin = portal.CreateApiClient(TestApiKeys.Admin);
        var (sku, location) = await admin.CreateItemAndLocationAsync("KEY");
        using var withKey = portal.CreateApiClient(key);
        using (var read = await withKey.GetAsync("/api/items", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }
        await withKey.ReceiveAsync(sku, location, 3);
        var movements = await (await withKey.GetAsync($"/api/items/{sku}/movements", Ct))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal($"{signedIn.UserName} via key scanner",
            movements.GetProperty("items")[0].GetProperty("actor").GetString());
        using (var catalogue = await withKey.PostAsJsonAsync("/api/locations",
            new { code = ApiFixture.Unique("NO"), name = "not for an operator" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, catalogue.StatusCode);
        }

        await page.GotoAsync("/account/keys");
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "scanner" })).ToContainTextAsync(" UTC");
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke scanner" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("scanner is revoked");
        await PortalScreenshots.AttachAsync(page, "account-keys-revoked");

        using var revoked = await withKey.GetAsync("/api/items", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
    }

    [Fact]
    public async Task A_key_has_the_lower_of_its_scope_and_its_users_role_and_dies_with_a_disabled_user()
    {
        var signedIn = await portal.NewSignedInPageAsync(ApiRoles.Operator);
        var key = await CreateKeyAsync(signedIn.Page, "bench", ApiRoles.Operator);
        using var admin = portal.CreateApiClient(TestApiKeys.Admin);
        var (sku, location) = await admin.CreateItemAndLocationAsync("ROLE");
        using var withKey = portal.CreateApiClient(key);
        await withKey.ReceiveAsync(sku, location, 1);

        var adminPage = await portal.NewSignedInPageAsync(ApiRoles.Admin);
        await adminPage.Page.GotoAsync("/users");
        await adminPage.Page.GetByRole(AriaRole.Link, new() { Name = signedIn.UserName }).ClickAsync();
        await adminPage.Page.GetByLabel("Role").SelectOptionAsync(ApiRoles.Reader);
        await adminPage.Page.GetByRole(AriaRole.Button, new() { Name = "Change role" }).ClickAsync();
        await Expect(adminPage.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("is now Reader");

        using (var refused = await withKey.PostAsJsonAsync("/api/stock/receipts",
            new { sku, location, quantity = 1 }, Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        using (var read = await withKey.GetAsync("/api/items", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        await adminPage.Page.GetByRole(AriaRole.Button, new() { Name = "Disable user" }).ClickAsync();
        await Expect(adminPage.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("is disabled");
        using var disabled = await withKey.GetAsync("/api/items", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, disabled.StatusCode);
    }

    private static async Task<string> CreateKeyAsync(IPage page, string name, string scope)
    {
        await page.GotoAsync("/account/keys");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByLabel("Scope").SelectOptionAsync(scope);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("shown only this once");
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = name })).ToContainTextAsync("Active");
        return (await page.Locator("#new-key").TextContentAsync())!.Trim();
    }
}
