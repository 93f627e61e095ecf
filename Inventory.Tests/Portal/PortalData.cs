using System.Net.Http.Json;
using Inventory.Tests.Infrastructure.ApiTests;
using Inventory.Tests.Infrastructure.PortalTests;
using Microsoft.Playwright;

namespace Inventory.Tests.Portal;

/// <summary>
/// What the data pages' tests share: an Admin API client on the same app, items made through it, a download as text.
/// </summary>
internal static class PortalData
{
    public static HttpClient AdminApi(PortalFixture portal) => portal.CreateApiClient(TestApiKeys.Admin);

    /// <summary>Clicks the link named <paramref name="link"/> and returns the file the browser downloaded.</summary>
    public static async Task<(string Name, string Text)> DownloadAsync(IPage page, string link)
    {
        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = link }).ClickAsync());
        await using var stream = await download.CreateReadStreamAsync();
        using var reader = new StreamReader(stream);
        return (download.SuggestedFilename, await reader.ReadToEndAsync());
    }

    /// <summary>An item made through the API; a reorder point above 0 and no stock make it low.</summary>
    public static async Task<string> CreateItemAsync(HttpClient api, string prefix, int reorderPoint = 0,
        string? name = null)
    {
        var sku = ApiFixture.Unique(prefix).ToUpperInvariant();
        using var response = await api.PostAsJsonAsync("/api/items",
            new { sku, name = name ?? $"Item {sku}", category = "Portal", reorderPoint },
            TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created,
            $"POST /api/items answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return sku;
    }
}
