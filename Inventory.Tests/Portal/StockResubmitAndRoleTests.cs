using Inventory.Api.Auth;
using Inventory.Tests.Infrastructure.ApiTests;
using Inventory.Tests.Infrastructure.PortalTests;
using Microsoft.Playwright;
using static Inventory.Tests.Api.ApiCalls;
using static Inventory.Tests.Portal.StockPortal;

namespace Inventory.Tests.Portal;

/// <summary>
/// A stock form records once however often it is sent (double click, browser resubmit), and only for a role that may
/// move stock: a Reader sees no stock action and a post forged as one is refused.
/// </summary>
[Collection(PortalTestGroup.Name)]
public sealed class StockResubmitAndRoleTests(PortalFixture fixture)
{
    [Fact]
    public async Task A_double_click_records_once()
    {
        using var scene = await fixture.SceneAsync("DBL");
        var (admin, sku, location, page, _) = scene;

        await page.GotoAsync($"/stock/receive?sku={sku}");
        await page.LocationField().FillAsync(location);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Receive" }).DblClickAsync();
        await page.WaitForURLAsync("**/stock/receive?recorded=*");

        Assert.Equal(1, await admin.OnHandAsync(sku));
        Assert.Equal(1, await admin.MovementCountAsync(sku));
    }

    [Fact]
    public async Task The_same_form_posted_again_replays_the_first_answer_and_records_nothing_more()
    {
        using var scene = await fixture.SceneAsync("REPOST");
        var (admin, sku, location, page, _) = scene;
        await page.GotoAsync($"/stock/receive?sku={sku}");
        await page.GetByLabel("Quantity").FillAsync("7");
        await page.LocationField().FillAsync(location);
        var fields = await FormFieldsAsync(page, "form.stock-form");

        var first = await PostFormAsync(page, "/stock/receive", fields);
        var again = await PostFormAsync(page, "/stock/receive", fields);

        Assert.Equal(302, first.Status);
        Assert.Equal(302, again.Status);
        Assert.Contains("/stock/receive?recorded=", first.Headers["location"], StringComparison.Ordinal);
        Assert.Equal(first.Headers["location"], again.Headers["location"]);
        Assert.Equal(7, await admin.OnHandAsync(sku));
        Assert.Equal(1, await admin.MovementCountAsync(sku));

        // The same token with other values is not a resubmit: refused, nothing recorded, a fresh token to retry.
        fields["Input.Quantity"] = "8";
        var changed = await PostFormAsync(page, "/stock/receive", fields);
        Assert.Equal(409, changed.Status);
        Assert.Contains("already submitted with other values", await changed.TextAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await admin.MovementCountAsync(sku));
    }

    [Fact]
    public async Task A_reader_sees_no_stock_or_edit_actions_and_a_forged_post_is_refused()
    {
        using var scene = await fixture.SceneAsync("READ", ApiRoles.Reader);
        var (admin, sku, location, page, _) = scene;
        await admin.ReceiveAsync(sku, location, 2);

        await page.GotoAsync($"/items?search={sku}");
        await Assertions.Expect(page.Link(sku)).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = $"Receive {sku}" }))
            .ToHaveCountAsync(0);
        await page.GotoAsync($"/items/{sku}");
        foreach (var action in new[] { "Receive", "Issue", "Transfer", "Count", "Edit" })
        {
            await Assertions.Expect(page.GetByRole(AriaRole.Main).GetByRole(AriaRole.Link,
                new LocatorGetByRoleOptions { Name = action, Exact = true })).ToHaveCountAsync(0);
        }
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Archive item" }))
            .ToHaveCountAsync(0);
        await CheckPageAsync(page, "item-as-reader");

        // A Reader's own antiforgery token (from the sign-out form), sent with a stock form's fields.
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.InputValueAsync();
        var forged = await PostFormAsync(page, "/stock/issue", new Dictionary<string, string>
        {
            ["_handler"] = "issue",
            ["__RequestVerificationToken"] = token,
            ["Input.Token"] = Guid.NewGuid().ToString("N"),
            ["Input.Sku"] = sku,
            ["Input.Location"] = location,
            ["Input.Quantity"] = "1",
        });
        Assert.True(forged.Status is 302 or 403, $"a forged stock post answered {forged.Status}");
        if (forged.Status == 302)
        {
            Assert.Contains("/account/denied", forged.Headers["location"], StringComparison.Ordinal);
        }
        // An item without stock, so only the role stands between the post and the archive.
        var empty = ApiFixture.Unique("EMPTY");
        await admin.CreateItemAsync(empty);
        var archive = await PostFormAsync(page, $"/items/{empty}", new Dictionary<string, string>
        {
            ["_handler"] = "archive",
            ["__RequestVerificationToken"] = token,
        });
        // The archive form is not on a Reader's page, so the framework refuses the post before the page's own check.
        Assert.True(archive.Status is 400 or 403, $"a forged archive post answered {archive.Status}");

        Assert.Equal(2, await admin.OnHandAsync(sku));
        Assert.Equal(1, await admin.MovementCountAsync(sku));
        using var item = await admin.GetAsync($"/api/items/{empty}", Ct);
        Assert.False((await item.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("archived").GetBoolean());
    }
}
