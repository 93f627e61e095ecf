using Inventory.Tests.Infrastructure.ApiTests;
using Inventory.Tests.Infrastructure.PortalTests;
using Microsoft.Playwright;
using static Inventory.Tests.Api.ApiCalls;
using static Inventory.Tests.Portal.StockPortal;

namespace Inventory.Tests.Portal;

/// <summary>
/// Receive, issue, transfer and count in a real browser, each checked against what the API and the ledger say; the
/// barcode scanner's way of typing; a refusal that keeps the input.
/// </summary>
[Collection(PortalTestGroup.Name)]
public sealed class StockPagesTests(PortalFixture fixture)
{
    [Fact]
    public async Task A_scan_then_Enter_on_receive_records_one_unit_at_the_remembered_location_as_the_user()
    {
        using var scene = await fixture.SceneAsync("SCAN");
        var (admin, sku, location, page, user) = scene;

        // The first receipt names the location; it is remembered for the next form.
        await page.GotoAsync($"/stock/receive?sku={sku}");
        await CheckAtEveryWidthAsync(page, "stock-receive");
        await page.GetByLabel("Quantity").FillAsync("4");
        await page.LocationField().FillAsync(location);
        await page.GetByLabel("Reference").FillAsync("GRN-1");
        await page.ClickButtonAsync("Receive");
        await page.WaitForURLAsync("**/stock/receive?recorded=*");
        await Assertions.Expect(page.Heading("Recorded")).ToBeVisibleAsync();
        await CheckPageAsync(page, "stock-receive-recorded");

        // A keyboard-wedge scanner types into whatever has focus, then presses Enter: nothing else is touched.
        await Assertions.Expect(page.GetByLabel("SKU")).ToBeFocusedAsync();
        await Assertions.Expect(page.LocationField())
            .ToHaveValueAsync(location);
        await page.Keyboard.TypeAsync(sku);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync("**/stock/receive?recorded=*");
        await Assertions.Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync($"now 5 at {location}");

        Assert.Equal(5, await admin.OnHandAsync(sku));
        var movements = await MovementsAsync(admin, sku);
        Assert.Equal(2, movements.Count);
        Assert.All(movements, m => Assert.Equal(user, m.GetProperty("actor").GetString()));
        Assert.Equal(1, movements[0].GetProperty("quantity").GetInt64());
        Assert.Equal("GRN-1", movements[1].GetProperty("reference").GetString());
        Assert.Empty(await fixture.LedgerMismatchesAsync());
    }

    [Fact]
    public async Task An_issue_refused_for_want_of_stock_says_why_keeps_the_input_and_records_after_a_fix()
    {
        using var scene = await fixture.SceneAsync("ISSUE");
        var (admin, sku, location, page, user) = scene;
        await admin.ReceiveAsync(sku, location, 3);

        await page.GotoAsync($"/stock/issue?sku={sku}");
        await page.GetByLabel("Quantity").FillAsync("5");
        await page.LocationField().FillAsync(location);
        await page.GetByLabel("Reason").FillAsync("order 881");
        await page.ClickButtonAsync("Issue");

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync($"holds 3 of '{sku}'");
        var quantity = page.GetByLabel("Quantity");
        await Assertions.Expect(quantity).ToHaveValueAsync("5");
        await Assertions.Expect(quantity).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.Locator("#quantity-error")).ToContainTextAsync("fewer than the 5 requested");
        await Assertions.Expect(page.GetByLabel("SKU")).ToHaveValueAsync(sku);
        await Assertions.Expect(page.GetByLabel("Reason")).ToHaveValueAsync("order 881");
        await CheckPageAsync(page, "stock-issue-refused");
        Assert.Equal(3, await admin.OnHandAsync(sku));

        await quantity.FillAsync("2");
        await page.ClickButtonAsync("Issue");
        await page.WaitForURLAsync("**/stock/issue?recorded=*");
        await Assertions.Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync($"now 1 at {location}");
        await CheckPageAsync(page, "stock-issue");

        Assert.Equal(1, await admin.OnHandAsync(sku));
        var issue = (await MovementsAsync(admin, sku))[0];
        Assert.Equal("issue", issue.GetProperty("type").GetString());
        Assert.Equal(user, issue.GetProperty("actor").GetString());
        Assert.Equal("order 881", issue.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_transfer_and_a_count_show_what_the_item_page_and_the_API_then_say()
    {
        using var scene = await fixture.SceneAsync("MOVE");
        var (admin, sku, from, page, user) = scene;
        var to = ApiFixture.Unique("TO");
        await admin.CreateLocationAsync(to);
        await admin.ReceiveAsync(sku, from, 10);

        await page.GotoAsync($"/stock/transfer?sku={sku}");
        await page.GetByLabel("Quantity").FillAsync("4");
        await page.GetByLabel("From location").FillAsync(from);
        await page.GetByLabel("To location").FillAsync(to);
        await page.ClickButtonAsync("Transfer");
        await page.WaitForURLAsync("**/stock/transfer?recorded=*");
        await Assertions.Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync($"6 at {from}, 4 at {to}");
        await CheckPageAsync(page, "stock-transfer");

        // The source location is remembered for the count.
        await page.GotoAsync($"/stock/count?sku={sku}");
        await Assertions.Expect(page.LocationField())
            .ToHaveValueAsync(from);
        await page.GetByLabel("Counted quantity").FillAsync("5");
        await page.GetByLabel("SKU").PressAsync("Enter");
        await page.WaitForURLAsync("**/stock/count?recorded=*");
        await Assertions.Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync("Counted 5 (-1)");
        await CheckPageAsync(page, "stock-count");

        await page.GotoAsync($"/items/{sku}");
        var stock = page.Table($"Stock of {sku} by location");
        await Assertions.Expect(stock.GetByRole(AriaRole.Row, new LocatorGetByRoleOptions { Name = from }))
            .ToContainTextAsync("5");
        await Assertions.Expect(stock.GetByRole(AriaRole.Row, new LocatorGetByRoleOptions { Name = to }))
            .ToContainTextAsync("4");
        Assert.Equal(9, await admin.OnHandAsync(sku));
        var movements = await MovementsAsync(admin, sku);
        Assert.Equal(["count", "transfer", "receipt"], movements.Select(m => m.GetProperty("type").GetString()));
        Assert.Equal(user, movements[0].GetProperty("actor").GetString());
        Assert.Equal(user, movements[1].GetProperty("actor").GetString());
        var history = page.Table($"Movements of {sku}, newest first");
        await Assertions.Expect(history.GetByRole(AriaRole.Row)).ToHaveCountAsync(4);
        await Assertions.Expect(history).ToContainTextAsync(user);
        Assert.Empty(await fixture.LedgerMismatchesAsync());
    }

    [Fact]
    public async Task Unknown_SKUs_and_bad_input_are_shown_on_their_fields_never_a_500()
    {
        using var scene = await fixture.SceneAsync("BAD");
        var (_, _, location, page, _) = scene;

        await page.GotoAsync("/stock/receive");
        await page.GetByLabel("SKU").FillAsync("NO-SUCH-SKU");
        await page.LocationField().FillAsync(location);
        var response = await SubmitAsync(page);
        Assert.Equal(422, response.Status);
        await Assertions.Expect(page.Locator("#sku-error")).ToContainTextAsync("No item has SKU 'NO-SUCH-SKU'");

        await page.GetByLabel("SKU").FillAsync("not a sku!");
        response = await SubmitAsync(page);
        Assert.Equal(400, response.Status);
        await Assertions.Expect(page.Locator("#sku-error")).ToContainTextAsync("must be 1–64 characters");
        await CheckPageAsync(page, "stock-receive-invalid");
    }

    /// <summary>Enter in the SKU field; the answer to the form's POST.</summary>
    private static Task<IResponse> SubmitAsync(IPage page) => page.RunAndWaitForResponseAsync(
        () => page.GetByLabel("SKU").PressAsync("Enter"), r => r.Request.Method == "POST");

    private static async Task<List<System.Text.Json.JsonElement>> MovementsAsync(HttpClient client, string sku)
    {
        using var response = await client.GetAsync($"/api/items/{sku}/movements", Ct);
        var page = await response.ReadJsonAsync(HttpStatusCode.OK);
        return [.. page.GetProperty("items").EnumerateArray()];
    }
}
