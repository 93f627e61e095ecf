using System.Text.Json;
using Inventory.Tests.Infrastructure.PortalTests;
using Microsoft.Playwright;

namespace Inventory.Tests.Portal;

/// <summary>The low-stock page shows the API's report, page by page, and downloads all of it as CSV.</summary>
[Collection(PortalTestGroup.Name)]
public sealed class LowStockPageTests(PortalFixture portal)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_page_shows_the_apis_report_and_its_csv_holds_every_row()
    {
        using var api = PortalData.AdminApi(portal);
        // Enough low items for a second page, each short by a different amount.
        for (var i = 1; i <= 3; i++)
        {
            await PortalData.CreateItemAsync(api, "LOW", reorderPoint: 1000 + i, name: i == 1 ? "-1+2" : null);
        }
        var (page, _) = await portal.NewSignedInPageAsync("Reader");

        await page.GotoAsync("/reports/low-stock?limit=2");
        var apiPage = await ReportPageAsync(api, "limit=2");
        Assert.Equal(apiPage.Rows, await PageRowsAsync(page));
        await PortalAssert.NoAxeViolationsAsync(page);
        await PortalScreenshots.AttachAsync(page, "low-stock");

        await page.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();
        var second = await ReportPageAsync(api, $"limit=2&cursor={Uri.EscapeDataString(apiPage.NextCursor!)}");
        Assert.Equal(second.Rows, await PageRowsAsync(page));

        var (name, csv) = await PortalData.DownloadAsync(page, "Download the whole report as CSV");
        Assert.Equal("low-stock.csv", name);
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(',')).ToList();
        Assert.Equal(["sku", "name", "category", "unit", "reorderPoint", "onHand", "shortfall"], lines[0]);
        var all = await AllRowsAsync(api);
        Assert.Equal(all, lines.Skip(1).Select(l => (l[0], l[5], l[6])).ToList());
        // A formula-like name is escaped as the item export escapes it.
        Assert.Contains(lines, l => l[1].Trim('"') == "'-1+2");
    }

    [Fact]
    public async Task The_report_fits_a_phone_screen_and_a_bad_cursor_gets_a_message()
    {
        var (page, _) = await portal.NewSignedInPageAsync("Reader");
        await page.SetViewportSizeAsync(360, 740);
        await page.GotoAsync("/reports/low-stock");
        var overflow = await page.EvaluateAsync<int>(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than a 360 px screen");
        await PortalScreenshots.AttachAsync(page, "low-stock-360");

        var response = await page.GotoAsync("/reports/low-stock?cursor=not-a-cursor");
        Assert.Equal(200, response!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not valid");
        await PortalAssert.NoAxeViolationsAsync(page);
    }

    /// <summary>SKU, on hand and shortfall of each row of the page's table, in order.</summary>
    private static async Task<List<(string, string, string)>> PageRowsAsync(IPage page)
    {
        var rows = page.Locator("table.report tbody tr");
        var result = new List<(string, string, string)>();
        for (var i = 0; i < await rows.CountAsync(); i++)
        {
            var cells = await rows.Nth(i).Locator("th, td").AllInnerTextsAsync();
            result.Add((cells[0].Trim(), cells[5].Trim(), cells[6].Trim()));
        }
        return result;
    }

    private static async Task<(List<(string, string, string)> Rows, string? NextCursor)> ReportPageAsync(
        HttpClient api, string query)
    {
        using var json = JsonDocument.Parse(await api.GetStringAsync($"/api/reports/low-stock?{query}", Ct));
        var rows = json.RootElement.GetProperty("items").EnumerateArray().Select(i => (
            i.GetProperty("sku").GetString()!, i.GetProperty("onHand").GetInt64().ToString(),
            i.GetProperty("shortfall").GetInt64().ToString())).ToList();
        return (rows, json.RootElement.GetProperty("nextCursor").GetString());
    }

    private static async Task<List<(string, string, string)>> AllRowsAsync(HttpClient api)
    {
        var all = new List<(string, string, string)>();
        var query = "limit=200";
        while (true)
        {
            var (rows, next) = await ReportPageAsync(api, query);
            all.AddRange(rows);
            if (next is null)
            {
                return all;
            }
            query = $"limit=200&cursor={Uri.EscapeDataString(next)}";
        }
    }
}
