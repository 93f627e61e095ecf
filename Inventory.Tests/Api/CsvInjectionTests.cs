using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.ApiTests;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>
/// The export never hands a spreadsheet a formula: a text cell starting with <c>= + - @</c>, tab or CR gets a leading
/// <c>'</c> (OWASP's advice), and the import takes exactly that escape off again, so export → import is a round trip.
/// </summary>
public sealed class CsvInjectionTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly string[] Formulas =
    [
        "=HYPERLINK(\"http://x\",\"click\")", "-5 units", "@home", "+cmd|' /C calc'!A0", "=1+1",
        // Already looks escaped: the export must escape it again, or the import would take its quote off.
        "'=not a formula", "''@twice", "'plain quote",
    ];

    [Fact]
    public async Task Exported_cells_that_start_like_a_formula_are_escaped_and_import_restores_them_exactly()
    {
        var items = new List<(string Sku, string Name)>();
        foreach (var name in Formulas)
        {
            var sku = ApiFixture.Unique("INJ");
            await fixture.Admin.CreateItemAsync(sku, name: name, category: "=SUM(A1:A9)");
            items.Add((sku, name));
        }
        var dashSku = ApiFixture.Unique("-DASH");
        await fixture.Admin.CreateItemAsync(dashSku, name: "plain");

        using var export = await fixture.Reader.GetAsync("/api/items/export", Ct);
        var csv = await export.Content.ReadAsStringAsync(Ct);

        var cells = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .SelectMany(SplitRow).ToList();
        Assert.DoesNotContain(cells, c => c.Length > 0 && "=+-@\t\r".Contains(c[0]));
        Assert.Contains("'=HYPERLINK(\"http://x\",\"click\")", cells);
        Assert.Contains("'-5 units", cells);
        Assert.Contains("''=not a formula", cells);
        Assert.Contains("'plain quote", cells);
        Assert.Contains("'" + dashSku, cells);

        using var import = await fixture.Admin.PostJsonTextAsync("/api/items/import", csv, "text/csv");
        var summary = await import.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(summary.GetProperty("rows").GetInt32(), summary.GetProperty("unchanged").GetInt32());

        foreach (var (sku, name) in items.Append((dashSku, "plain")))
        {
            using var read = await fixture.Reader.GetAsync($"/api/items/{Uri.EscapeDataString(sku)}", Ct);
            var item = await read.ReadJsonAsync(HttpStatusCode.OK);
            Assert.Equal(name, item.GetProperty("name").GetString());
        }
    }

    [Fact]
    public async Task An_import_of_escaped_cells_from_a_spreadsheet_stores_the_text_without_the_escape()
    {
        var sku = ApiFixture.Unique("ESC");

        using var import = await fixture.Admin.PostJsonTextAsync("/api/items/import",
            $"sku,name,category\n{sku},'@home,'=1+1\n", "text/csv");

        await import.ReadJsonAsync(HttpStatusCode.OK);
        using var read = await fixture.Reader.GetAsync($"/api/items/{sku}", Ct);
        var item = await read.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(("@home", "=1+1"),
            (item.GetProperty("name").GetString(), item.GetProperty("category").GetString()));
    }

    /// <summary>The cells of one CSV row as text (quotes removed, doubled quotes undone).</summary>
    private static IEnumerable<string> SplitRow(string row)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < row.Length; i++)
        {
            var c = row[i];
            if (quoted && c == '"' && i + 1 < row.Length && row[i + 1] == '"')
            {
                cell.Append('"');
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }
        cells.Add(cell.ToString());
        return cells;
    }
}
