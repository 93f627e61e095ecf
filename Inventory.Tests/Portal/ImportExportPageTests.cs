using System.Text;
using Inventory.Tests.Infrastructure.ApiTests;
using Inventory.Tests.Infrastructure.PortalTests;
using Microsoft.Playwright;

namespace Inventory.Tests.Portal;

/// <summary>
/// The import page previews an uploaded CSV with each row's problems and imports only a clean file, all or nothing,
/// once confirmed; the export page downloads the same CSV as <c>GET /api/items/export</c>.
/// </summary>
[Collection(PortalTestGroup.Name)]
public sealed class ImportExportPageTests(PortalFixture portal)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_file_with_a_bad_row_is_previewed_with_its_problem_and_imports_nothing_then_a_good_file_imports()
    {
        var (page, _) = await portal.NewSignedInPageAsync("Admin");
        using var api = PortalData.AdminApi(portal);
        var good = ApiFixture.Unique("IMP").ToUpperInvariant();
        var other = ApiFixture.Unique("IMP").ToUpperInvariant();

        await page.GotoAsync("/import");
        const string header = "sku,name,category,unit,reorderPoint\n";
        await UploadAsync(page, $"{header}{good},Good row,Imports,pcs,3\n{other},,Imports,pcs,x\n");

        var problems = page.Locator("tr.has-problems");
        await Assertions.Expect(problems).ToHaveCountAsync(1);
        await Assertions.Expect(problems).ToContainTextAsync("3");
        await Assertions.Expect(problems).ToContainTextAsync("'x' is not a whole number");
        await Assertions.Expect(problems).ToContainTextAsync("name");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { NameRegex = new("^Import") }))
            .ToHaveCountAsync(0);
        await PortalAssert.NoAxeViolationsAsync(page);
        await PortalScreenshots.AttachAsync(page, "import-preview-with-problems");
        foreach (var sku in new[] { good, other })
        {
            using var missing = await api.GetAsync($"/api/items/{sku}", Ct);
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        await UploadAsync(page, $"{header}{good},Good row,Imports,pcs,3\n{other},Other row,Imports,box,0\n");
        await Assertions.Expect(page.Locator("tr.has-problems")).ToHaveCountAsync(0);
        await PortalScreenshots.AttachAsync(page, "import-preview");
        // Previewed only: nothing is in the catalogue before the confirm.
        using (var notYet = await api.GetAsync($"/api/items/{good}", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, notYet.StatusCode);
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Import 2 rows" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("2 created, 0 updated");
        await PortalAssert.NoAxeViolationsAsync(page);

        var listed = await api.GetStringAsync($"/api/items?search={good}", Ct);
        Assert.Contains("\"name\":\"Good row\"", listed, StringComparison.Ordinal);
        var item = await api.GetStringAsync($"/api/items/{other}", Ct);
        Assert.Contains("\"unit\":\"box\"", item, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reader_cannot_open_the_import_page()
    {
        var (page, _) = await portal.NewSignedInPageAsync("Reader");
        await page.GotoAsync("/import");
        Assert.DoesNotContain("/import", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("input[type=file]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_export_downloads_the_same_csv_as_the_api()
    {
        using var api = PortalData.AdminApi(portal);
        await PortalData.CreateItemAsync(api, "EXP", name: "=SUM(A1)");
        var (page, _) = await portal.NewSignedInPageAsync("Reader");

        await page.GotoAsync("/export");
        await PortalAssert.NoAxeViolationsAsync(page);
        await PortalScreenshots.AttachAsync(page, "export");
        var (name, text) = await PortalData.DownloadAsync(page, "Download items.csv");
        var expected = await api.GetStringAsync("/api/items/export", Ct);

        Assert.Equal("items.csv", name);
        Assert.Equal(expected, text);
        // The formula-like name is escaped, as the API's export escapes it.
        Assert.Contains("'=SUM(A1)", text, StringComparison.Ordinal);
    }

    private static async Task UploadAsync(IPage page, string csv)
    {
        await page.GetByLabel("CSV file").SetInputFilesAsync(new FilePayload
        {
            Name = "items.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
    }
}
