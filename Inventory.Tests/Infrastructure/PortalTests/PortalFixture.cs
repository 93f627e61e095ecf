using Inventory.Api.Auth;
using Inventory.Api.Portal;
using Inventory.Tests.Infrastructure.ApiTests;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Inventory.Tests.Infrastructure.PortalTests;

/// <summary>Every portal test class joins this collection: one app and one Chromium for the whole run.</summary>
[CollectionDefinition(Name)]
public sealed class PortalTestGroup : ICollectionFixture<PortalFixture>
{
    public const string Name = "Portal";
}

/// <summary>
/// The real app on Kestrel (a free port) against a fresh PostgreSQL database, and one Chromium (Debian's, never a
/// download) driven by Playwright; each page comes from a new browser context, so no cookie leaks between tests.
/// </summary>
public sealed class PortalFixture(PostgresServer postgres) : IAsyncLifetime
{
    /// <summary>The password every user made by <see cref="NewSignedInPageAsync"/> starts with.</summary>
    public const string Password = "correct horse battery staple";

    private readonly List<IBrowserContext> _contexts = [];
    private PortalApp? _app;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public ApiFactory Api => App.Api;

    public string BaseUrl => App.BaseUrl;

    private PortalApp App => _app ?? throw new InvalidOperationException("The fixture is not initialized.");

    public async ValueTask InitializeAsync()
    {
        _app = await StartAppAsync();
        if (ChromiumBrowser.UnavailableReason is null)
        {
            _playwright = await Microsoft.Playwright.Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(ChromiumBrowser.LaunchOptions);
        }
    }

    /// <summary>
    /// Another instance of the app on Kestrel, healthy, with <paramref name="settings"/> on top of the test keys: on
    /// a fresh database, or on <paramref name="connectionString"/>'s. The caller disposes it.
    /// </summary>
    public async Task<PortalApp> StartAppAsync(
        IReadOnlyDictionary<string, string?>? settings = null, string? connectionString = null)
    {
        var api = new ApiFactory(connectionString ?? await postgres.CreateDatabaseAsync("portal"), settings);
        api.UseKestrel(0);
        api.StartServer();
        var addresses = api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
            ?? throw new InvalidOperationException("Kestrel reports no address.");
        await api.WaitForStatusAsync("/health", HttpStatusCode.OK);
        return new PortalApp(api, addresses.Addresses.First().TrimEnd('/'));
    }

    /// <summary>A page in a fresh browser context, signed in to nothing.</summary>
    public Task<IPage> NewAnonymousPageAsync() => NewAnonymousPageAsync(BaseUrl);

    /// <summary>A page in a fresh browser context on <paramref name="baseUrl"/> (e.g. a <see cref="PortalApp"/>).</summary>
    public async Task<IPage> NewAnonymousPageAsync(string baseUrl)
    {
        var browser = Browser();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
        });
        lock (_contexts)
        {
            _contexts.Add(context);
        }
        return await context.NewPageAsync();
    }

    /// <summary>
    /// A new user in <paramref name="role"/> (made through Identity, password <see cref="Password"/>), signed in
    /// through the real sign-in form.
    /// </summary>
    public async Task<SignedInPage> NewSignedInPageAsync(string role)
    {
        Browser();
        var userName = await CreateUserAsync(role);
        var page = await NewAnonymousPageAsync();
        await SignInAsync(page, userName, Password);
        await page.WaitForURLAsync(url => !url.Contains("/account/signin", StringComparison.Ordinal));
        return new SignedInPage(page, userName);
    }

    /// <summary>Fills and sends the sign-in form on <paramref name="page"/>.</summary>
    public static async Task SignInAsync(IPage page, string userName, string password)
    {
        await page.GotoAsync("/account/signin");
        await page.GetByLabel("User name").FillAsync(userName);
        await page.GetByLabel("Password", new PageGetByLabelOptions { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>A user named after <paramref name="role"/> and a unique suffix; returns the user name.</summary>
    public async Task<string> CreateUserAsync(string role, string password = Password, bool mustChangePassword = false)
    {
        if (!ApiRoles.IsKnown(role))
        {
            throw new ArgumentOutOfRangeException(nameof(role), role, "Not one of the API's roles.");
        }
        await using var scope = Api.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = new PortalUser
        {
            UserName = ApiFixture.Unique(role.ToLowerInvariant()),
            MustChangePassword = mustChangePassword,
        };
        Check(await users.CreateAsync(user, password));
        Check(await users.AddToRoleAsync(user, role));
        return user.UserName;
    }

    /// <summary>A client of the same app that sends <paramref name="apiKey"/> as <c>X-Api-Key</c>.</summary>
    public HttpClient CreateApiClient(string apiKey)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    private IBrowser Browser()
    {
        ChromiumBrowser.RequireOrSkip();
        return _browser ?? throw new InvalidOperationException("Chromium did not start.");
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>A page signed in as <see cref="UserName"/>.</summary>
public sealed record SignedInPage(IPage Page, string UserName);

/// <summary>One running instance of the app and the address a browser reaches it on.</summary>
public sealed class PortalApp(ApiFactory api, string baseUrl) : IAsyncDisposable
{
    public ApiFactory Api { get; } = api;

    public string BaseUrl { get; } = baseUrl;

    public ValueTask DisposeAsync() => Api.DisposeAsync();
}
