using System.Text.Json;
using Inventory.Tests.Infrastructure.ApiTests;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>The low-stock report and a location's stock, paged like the item list; what "low" means.</summary>
public sealed class PagedReadsTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly string[] HeldSuffixes = ["c", "A", "e", "b", "D"];

    [Fact]
    public async Task The_low_stock_report_pages_by_largest_shortfall_then_sku_and_each_row_comes_once()
    {
        var tag = ApiFixture.Unique("PLOW");
        var location = ApiFixture.Unique("PL");
        await fixture.Admin.CreateLocationAsync(location);
        // (suffix, reorder point, on hand): shortfalls 9, 4, 4, 4, 0, and one above its reorder point.
        var items = new[] { ("e", 10, 1), ("b", 6, 2), ("d", 4, 0), ("c", 5, 1), ("a", 3, 3), ("f", 2, 5) };
        foreach (var (suffix, reorderPoint, onHand) in items)
        {
            await fixture.Admin.CreateItemAsync($"{tag}-{suffix}", reorderPoint);
            if (onHand > 0)
            {
                await fixture.Operator.ReceiveAsync($"{tag}-{suffix}", location, onHand);
            }
        }

        var (rows, pages) = await WalkAsync("/api/reports/low-stock?limit=2", "items");

        var ours = rows.Where(r => r.GetProperty("sku").GetString()!.StartsWith(tag, StringComparison.Ordinal))
            .Select(r => (r.GetProperty("sku").GetString(), r.GetProperty("shortfall").GetInt64())).ToList();
        Assert.Equal([($"{tag}-e", 9L), ($"{tag}-b", 4L), ($"{tag}-c", 4L), ($"{tag}-d", 4L), ($"{tag}-a", 0L)], ours);
        Assert.True(pages >= 3, $"{rows.Count} rows in {pages} page(s) of 2.");
        Assert.Equal(rows.Count, rows.Select(r => r.GetProperty("sku").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task An_item_with_reorder_point_0_is_never_low()
    {
        var tag = ApiFixture.Unique("ZERO");
        await fixture.Admin.CreateItemAsync($"{tag}-unset", reorderPoint: 0);
        await fixture.Admin.CreateItemAsync($"{tag}-one", reorderPoint: 1);

        var (rows, _) = await WalkAsync("/api/reports/low-stock?limit=200", "items");

        Assert.Equal([$"{tag}-one"], rows.Select(r => r.GetProperty("sku").GetString())
            .Where(s => s!.StartsWith(tag, StringComparison.Ordinal)));
        using var listing = await fixture.Reader.GetAsync($"/api/items?search={tag}&lowStock=true", Ct);
        Assert.Equal([$"{tag}-one"], (await listing.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("items")
            .EnumerateArray().Select(i => i.GetProperty("sku").GetString()));
    }

    [Fact]
    public async Task A_location_pages_the_stock_it_holds_by_sku()
    {
        var location = ApiFixture.Unique("PAGED");
        await fixture.Admin.CreateLocationAsync(location);
        var tag = ApiFixture.Unique("HELD");
        var skus = HeldSuffixes.Select(s => $"{tag}-{s}").ToList();
        foreach (var sku in skus)
        {
            await fixture.Admin.CreateItemAsync(sku);
            await fixture.Operator.ReceiveAsync(sku, location, 2);
        }

        var (rows, pages) = await WalkAsync($"/api/locations/{location}?limit=2", "stock");

        Assert.Equal(3, pages);
        Assert.Equal(skus.OrderBy(s => s.ToLowerInvariant(), StringComparer.Ordinal),
            rows.Select(r => r.GetProperty("sku").GetString()));
    }

    [Theory]
    [InlineData("/api/reports/low-stock?limit=0", "limit")]
    [InlineData("/api/reports/low-stock?limit=201", "limit")]
    [InlineData("/api/reports/low-stock?cursor=not-a-cursor", "cursor")]
    [InlineData("/api/locations/{0}?limit=0", "limit")]
    [InlineData("/api/locations/{0}?limit=201", "limit")]
    [InlineData("/api/locations/{0}?cursor=not-a-cursor", "cursor")]
    public async Task Bad_paging_is_a_400_naming_the_parameter(string url, string field)
    {
        var location = ApiFixture.Unique("BADP");
        await fixture.Admin.CreateLocationAsync(location);

        using var response = await fixture.Reader.GetAsync(string.Format(null, url, location), Ct);

        await response.ReadValidationProblemAsync(field);
    }

    [Fact]
    public async Task A_cursor_from_another_listing_is_refused()
    {
        var tag = ApiFixture.Unique("XCUR");
        await fixture.Admin.CreateItemAsync($"{tag}-1");
        await fixture.Admin.CreateItemAsync($"{tag}-2");
        using var items = await fixture.Reader.GetAsync($"/api/items?search={tag}&limit=1", Ct);
        var cursor = (await items.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("nextCursor").GetString();
        var location = ApiFixture.Unique("XL");
        await fixture.Admin.CreateLocationAsync(location);

        using var report = await fixture.Reader.GetAsync($"/api/reports/low-stock?cursor={cursor}", Ct);
        await report.ReadValidationProblemAsync("cursor");
        using var held = await fixture.Reader.GetAsync($"/api/locations/{location}?cursor={cursor}", Ct);
        await held.ReadValidationProblemAsync("cursor");
    }

    /// <summary>Every row of <paramref name="array"/> on every page, following nextCursor, and the pages.</summary>
    private async Task<(List<JsonElement> Rows, int Pages)> WalkAsync(string url, string array)
    {
        var rows = new List<JsonElement>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var separator = url.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            using var response = await fixture.Reader.GetAsync(
                cursor is null ? url : $"{url}{separator}cursor={Uri.EscapeDataString(cursor)}", Ct);
            var page = await response.ReadJsonAsync(HttpStatusCode.OK);
            var limit = int.Parse(url[(url.IndexOf("limit=", StringComparison.Ordinal) + 6)..], null);
            Assert.InRange(page.GetProperty(array).GetArrayLength(), 0, limit);
            rows.AddRange(page.GetProperty(array).EnumerateArray());
            cursor = page.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String
                ? next.GetString()
                : null;
            pages++;
            Assert.True(pages <= 1000, "The cursor never ends.");
        }
        while (cursor is not null);
        return (rows, pages);
    }
}
