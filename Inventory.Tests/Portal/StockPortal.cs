using Inventory.Api.Auth;
using Inventory.Api.Stock;
using Inventory.Tests.Api;
using Inventory.Tests.Infrastructure.ApiTests;
using Inventory.Tests.Infrastructure.PortalTests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Inventory.Tests.Portal;

/// <summary>What the inventory page tests share: API clients for setting up and checking, and page checks.</summary>
internal static class StockPortal
{
    /// <summary>The widths every page must work at: a small phone and a desktop.</summary>
    public static readonly (int Width, int Height)[] Widths = [(360, 800), (1280, 800)];

    /// <summary>axe finds nothing on the page; its screenshot is attached as <paramref name="name"/>.</summary>
    public static async Task CheckPageAsync(IPage page, string name)
    {
        await PortalAssert.NoAxeViolationsAsync(page);
        await PortalScreenshots.AttachAsync(page, name);
    }

    /// <summary><see cref="CheckPageAsync"/> at each of <see cref="Widths"/>, back at 1280 px afterwards.</summary>
    public static async Task CheckAtEveryWidthAsync(IPage page, string name)
    {
        foreach (var (width, height) in Widths)
        {
            await page.SetViewportSizeAsync(width, height);
            await CheckPageAsync(page, $"{name}-{width}px");
            // Nothing wider than the viewport: no sideways scrolling of the page itself at 360 px.
            var overflow = await page.EvaluateAsync<int>(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            Assert.True(overflow <= 0, $"{name} scrolls sideways by {overflow} px at {width} px");
        }
    }

    /// <summary>A new item and location (made through the API) and a page signed in as a new user in a role.</summary>
    public static async Task<Scene> SceneAsync(this PortalFixture fixture, string prefix,
        string role = ApiRoles.Operator)
    {
        var admin = fixture.Admin();
        var (sku, location) = await admin.CreateItemAndLocationAsync(prefix);
        var (page, user) = await fixture.NewSignedInPageAsync(role);
        return new Scene(admin, sku, location, page, user);
    }

    /// <summary>The stock forms' location field (not "From location" or "To location").</summary>
    public static ILocator LocationField(this IPage page) =>
        page.GetByLabel("Location", new PageGetByLabelOptions { Exact = true });

    public static Task ClickButtonAsync(this IPage page, string name) =>
        page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = name, Exact = true }).ClickAsync();

    public static ILocator Table(this IPage page, string caption) =>
        page.GetByRole(AriaRole.Table, new PageGetByRoleOptions { Name = caption });

    public static ILocator Link(this IPage page, string name) =>
        page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = name });

    public static ILocator Heading(this IPage page, string name) =>
        page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = name });

    public static HttpClient Admin(this PortalFixture fixture) => fixture.CreateApiClient(TestApiKeys.Admin);

    public static HttpClient Reader(this PortalFixture fixture) => fixture.CreateApiClient(TestApiKeys.Reader);

    /// <summary>Every (item, location) whose ledger sum differs from its stock on hand: none, ever.</summary>
    public static async Task<IReadOnlyList<LedgerMismatch>> LedgerMismatchesAsync(this PortalFixture fixture)
    {
        await using var scope = fixture.Api.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<StockLedger>().FindMismatchesAsync(
            TestContext.Current.CancellationToken);
    }

    /// <summary>The fields a form on the page would post, as the browser would send them.</summary>
    public static Task<Dictionary<string, string>> FormFieldsAsync(IPage page, string selector) =>
        page.EvaluateAsync<Dictionary<string, string>>(
            "s => Object.fromEntries(new FormData(document.querySelector(s)))", selector);

    /// <summary>Posts <paramref name="fields"/> with the page's cookies, not following a redirect.</summary>
    public static async Task<IAPIResponse> PostFormAsync(IPage page, string path, IDictionary<string, string> fields)
    {
        var form = page.Context.APIRequest.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Set(name, value);
        }
        return await page.Context.APIRequest.PostAsync(path, new APIRequestContextOptions
        {
            Form = form,
            MaxRedirects = 0,
        });
    }
}

/// <summary>What a test starts from: an API client (Admin key), an item and a location, a signed-in page.</summary>
internal sealed record Scene(HttpClient Admin, string Sku, string Location, IPage Page, string User) : IDisposable
{
    public void Dispose() => Admin.Dispose();
}
