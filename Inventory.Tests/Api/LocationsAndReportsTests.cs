using System.Net.Http.Json;
using Inventory.Tests.Infrastructure.ApiTests;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>Locations and the low-stock report.</summary>
public sealed class LocationsAndReportsTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_location_is_created_201_listed_and_shows_the_stock_it_holds()
    {
        var code = ApiFixture.Unique("WH");
        var sku = ApiFixture.Unique("ITEM");
        await fixture.Admin.CreateItemAsync(sku, name: "Widget");

        using (var created = await fixture.Admin.PostAsJsonAsync(
            "/api/locations", new { code, name = "Warehouse ✓" }, Ct))
        {
            var location = await created.ReadJsonAsync(HttpStatusCode.Created);
            Assert.Equal($"/api/locations/{code}", created.Headers.Location?.OriginalString);
            Assert.Equal("Warehouse ✓", location.GetProperty("name").GetString());
        }
        await fixture.Operator.ReceiveAsync(sku, code, 9);

        using var list = await fixture.Reader.GetAsync("/api/locations", Ct);
        var codes = (await list.ReadJsonAsync(HttpStatusCode.OK)).EnumerateArray().Select(
            l => l.GetProperty("code").GetString()).ToList();
        Assert.Contains(code, codes);
        Assert.Equal(codes.OrderBy(c => c!.ToLowerInvariant(), StringComparer.Ordinal), codes);

        using var get = await fixture.Reader.GetAsync($"/api/locations/{code.ToLowerInvariant()}", Ct);
        var held = (await get.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("stock").EnumerateArray().Single();
        Assert.Equal(sku, held.GetProperty("sku").GetString());
        Assert.Equal("Widget", held.GetProperty("name").GetString());
        Assert.Equal(9, held.GetProperty("quantity").GetInt64());
    }

    [Fact]
    public async Task Duplicate_code_is_409_unknown_is_404_invalid_is_400()
    {
        var code = ApiFixture.Unique("DUP");
        await fixture.Admin.CreateLocationAsync(code);

        using (var duplicate = await fixture.Admin.PostAsJsonAsync(
            "/api/locations", new { code = code.ToLowerInvariant(), name = "again" }, Ct))
        {
            await duplicate.ReadProblemAsync(HttpStatusCode.Conflict, "duplicate-location");
        }
        using (var unknown = await fixture.Reader.GetAsync($"/api/locations/{ApiFixture.Unique("NONE")}", Ct))
        {
            await unknown.ReadProblemAsync(HttpStatusCode.NotFound, "location-not-found");
        }
        using var invalid = await fixture.Admin.PostAsJsonAsync(
            "/api/locations", new { code = "a/b", name = new string('n', 201) }, Ct);
        await invalid.ReadValidationProblemAsync("code", "name");
    }

    [Fact]
    public async Task The_low_stock_report_lists_active_items_at_or_below_their_reorder_point_with_the_shortfall()
    {
        var tag = ApiFixture.Unique("LOW");
        var location = ApiFixture.Unique("LL");
        await fixture.Admin.CreateLocationAsync(location);
        var (below, at, above, archived) = ($"{tag}-below", $"{tag}-at", $"{tag}-above", $"{tag}-archived");
        await fixture.Admin.CreateItemAsync(below, reorderPoint: 20);
        await fixture.Admin.CreateItemAsync(at, reorderPoint: 5);
        await fixture.Admin.CreateItemAsync(above, reorderPoint: 5);
        await fixture.Admin.CreateItemAsync(archived, reorderPoint: 50);
        await fixture.Operator.ReceiveAsync(below, location, 8);
        await fixture.Operator.ReceiveAsync(at, location, 5);
        await fixture.Operator.ReceiveAsync(above, location, 6);
        using (var archive = await fixture.Admin.DeleteAsync($"/api/items/{archived}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, archive.StatusCode);
        }

        using var response = await fixture.Reader.GetAsync("/api/reports/low-stock", Ct);

        var report = await response.ReadJsonAsync(HttpStatusCode.OK);
        var rows = report.GetProperty("items").EnumerateArray()
            .Where(i => i.GetProperty("sku").GetString()!.StartsWith(tag, StringComparison.Ordinal))
            .Select(i => (Sku: i.GetProperty("sku").GetString(), OnHand: i.GetProperty("onHand").GetInt64(),
                Shortfall: i.GetProperty("shortfall").GetInt64()))
            .ToList();
        Assert.Equal([(below, 8L, 12L), (at, 5L, 0L)], rows);
        var shortfalls = report.GetProperty("items").EnumerateArray().Select(
            i => i.GetProperty("shortfall").GetInt64()).ToList();
        Assert.Equal(shortfalls.OrderByDescending(s => s), shortfalls);
    }
}
