using System.Net.Http.Json;
using System.Text;
using Inventory.Tests.Infrastructure.ApiTests;
using Microsoft.EntityFrameworkCore;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>
/// CSV export (streamed) and the all-or-nothing import, on a database of its own so counts are exact.
/// </summary>
public sealed class CsvTests(ApiFixture fixture, PostgresServer postgres) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Export_then_import_of_the_same_file_round_trips_and_changes_nothing()
    {
        var location = ApiFixture.Unique("CSV");
        await fixture.Admin.CreateLocationAsync(location);
        var tricky = ApiFixture.Unique("Q");
        await fixture.Admin.CreateItemAsync(
            tricky, reorderPoint: 3, name: "Bolt, \"heavy duty\" é🔩", category: "Fasteners");
        await fixture.Operator.ReceiveAsync(tricky, location, 11);

        using var export = await fixture.Reader.GetAsync("/api/items/export", Ct);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        var csv = await export.Content.ReadAsStringAsync(Ct);
        Assert.StartsWith("sku,name,category,unit,reorderPoint,onHand\r\n", csv, StringComparison.Ordinal);
        Assert.Contains($"{tricky},\"Bolt, \"\"heavy duty\"\" é🔩\",Fasteners,pcs,3,11\r\n", csv,
            StringComparison.Ordinal);
        var before = await SnapshotAsync();

        using var import = await ImportAsync(csv);

        var summary = await import.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(summary.GetProperty("rows").GetInt32(), summary.GetProperty("unchanged").GetInt32());
        Assert.Equal(0, summary.GetProperty("created").GetInt32());
        Assert.Equal(0, summary.GetProperty("updated").GetInt32());
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Import_creates_and_updates_by_sku_case_insensitively()
    {
        var existing = ApiFixture.Unique("EX");
        await fixture.Admin.CreateItemAsync(existing, reorderPoint: 1, name: "Old name");
        var created = ApiFixture.Unique("NEW");

        using var response = await ImportAsync($"""
            SKU,Name,Category,Unit,ReorderPoint
            {existing.ToLowerInvariant()},New name,Tools,box,7
            {created}, Trimmed name ,,,
            """);

        var summary = await response.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal((2, 1, 1),
            (summary.GetProperty("rows").GetInt32(), summary.GetProperty("created").GetInt32(),
            summary.GetProperty("updated").GetInt32()));
        using var updated = await fixture.Reader.GetAsync($"/api/items/{existing}", Ct);
        var item = await updated.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(existing, item.GetProperty("sku").GetString());
        Assert.Equal(("New name", "Tools", "box", 7),
            (item.GetProperty("name").GetString(), item.GetProperty("category").GetString(),
                item.GetProperty("unit").GetString(), item.GetProperty("reorderPoint").GetInt32()));
        using var fresh = await fixture.Reader.GetAsync($"/api/items/{created}", Ct);
        var newItem = await fresh.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(("Trimmed name", "pcs", 0),
            (newItem.GetProperty("name").GetString(), newItem.GetProperty("unit").GetString(),
            newItem.GetProperty("reorderPoint").GetInt32()));
    }

    [Fact]
    public async Task A_file_with_bad_rows_is_400_listing_each_row_and_nothing_is_imported()
    {
        var good = ApiFixture.Unique("GOOD");
        var dup = ApiFixture.Unique("DUP");
        var before = await SnapshotAsync();

        using var response = await ImportAsync($"""
            sku,name,category,unit,reorderPoint
            {good},Fine,,,
            bad sku,Name,,,
            {dup},,,,
            {dup.ToLowerInvariant()},Again,,,-4
            """);

        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest, "invalid-csv");
        var errors = problem.GetProperty("errors").EnumerateArray()
            .Select(e => (Row: e.GetProperty("row").GetInt32(), Column: e.GetProperty("column").GetString())).ToList();
        Assert.Contains((3, "sku"), errors);
        Assert.Contains((4, "name"), errors);
        Assert.Contains((5, "reorderPoint"), errors);
        Assert.Contains((5, "sku"), errors);
        Assert.DoesNotContain(errors, e => e.Row == 2);
        Assert.Equal(errors.Count, problem.GetProperty("errorCount").GetInt32());
        Assert.Equal(before, await SnapshotAsync());
        using var get = await fixture.Reader.GetAsync($"/api/items/{good}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("name\nx\n", "sku")]
    [InlineData("sku,name,price\nA,B,1\n", "price")]
    [InlineData("sku,name\n", null)]
    [InlineData("sku,name\n\"A,B\n", null)]
    [InlineData("sku,name\nA,\"B\"x\"\n", null)]
    [InlineData("sku,name\nA,B\u0000\n", "name")]
    public async Task A_malformed_file_is_400_and_changes_nothing(string csv, string? column)
    {
        var before = await SnapshotAsync();

        using var response = await ImportAsync(csv);

        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest, "invalid-csv");
        var errors = problem.GetProperty("errors").EnumerateArray().ToList();
        Assert.NotEmpty(errors);
        if (column is not null)
        {
            Assert.Contains(errors, e => e.GetProperty("column").GetString() == column);
        }
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Too_many_rows_or_bytes_is_413_and_the_wrong_content_type_415()
    {
        var before = await SnapshotAsync();
        var rows = new StringBuilder("sku,name\n");
        for (var i = 0; i <= 10_000; i++)
        {
            rows.Append("ROW-").Append(i).Append(",Row\n");
        }
        using (var tooMany = await ImportAsync(rows.ToString()))
        {
            await tooMany.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        }
        using (var tooBig = await ImportAsync("sku,name\n" + new string('x', 5 * 1024 * 1024)))
        {
            await tooBig.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        }
        using (var json = await fixture.Admin.PostAsJsonAsync("/api/items/import", new { sku = "A", name = "B" }, Ct))
        {
            var problem = await json.ReadProblemAsync(HttpStatusCode.UnsupportedMediaType);
            Assert.Contains("text/csv", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Exactly_ten_thousand_rows_import()
    {
        // A database of its own: ten thousand items would push the shared one's export past the import limit.
        await using var api = new ApiFactory(await postgres.CreateDatabaseAsync("bulk"));
        await api.WaitForStatusAsync("/health", HttpStatusCode.OK);
        using var admin = api.CreateClient(TestApiKeys.Admin);
        var rows = new StringBuilder("sku,name,reorderPoint\n");
        for (var i = 0; i < 10_000; i++)
        {
            rows.Append("BULK-").Append(i).Append(",Bulk item ").Append(i).Append(",5\n");
        }

        using var response = await admin.PostJsonTextAsync("/api/items/import", rows.ToString(), "text/csv");

        var summary = await response.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(10_000, summary.GetProperty("created").GetInt32());
        using var export = await admin.GetAsync("/api/items/export", Ct);
        var lines = (await export.Content.ReadAsStringAsync(Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10_001, lines.Length);

        // Again, with every odd row renamed: the import works through the file in chunks, each finding its own rows.
        var again = new StringBuilder("sku,name,reorderPoint\n");
        for (var i = 0; i < 10_000; i++)
        {
            again.Append("BULK-").Append(i).Append(i % 2 == 1 ? ",Renamed item " : ",Bulk item ").Append(i)
                .Append(",5\n");
        }
        using var second = await admin.PostJsonTextAsync("/api/items/import", again.ToString(), "text/csv");
        var secondSummary = await second.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(0, secondSummary.GetProperty("created").GetInt32());
        Assert.Equal(5_000, secondSummary.GetProperty("updated").GetInt32());
        Assert.Equal(5_000, secondSummary.GetProperty("unchanged").GetInt32());
    }

    private Task<HttpResponseMessage> ImportAsync(string csv) =>
        fixture.Admin.PostJsonTextAsync("/api/items/import", csv, "text/csv");

    /// <summary>Every item's SKU, name, category, unit, reorder point and row version: any change shows.</summary>
    private Task<string> SnapshotAsync() => fixture.WithDatabaseAsync(async db =>
        string.Join('\n', await db.Items.OrderBy(i => i.Id)
            .Select(i => i.Sku + "|" + i.Name + "|" + i.Category + "|" + i.Unit + "|" + i.ReorderPoint + "|"
                + i.Version)
            .ToListAsync(Ct)));
}
