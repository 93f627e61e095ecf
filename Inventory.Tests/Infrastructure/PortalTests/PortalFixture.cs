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
    private ApiFactory? _api;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public ApiFactory Api => _api ?? throw new InvalidOperationException("The fixture is not initialized.");

    public string BaseUrl { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        _api = new ApiFactory(await postgres.CreateDatabaseAsync("portal"));
        _api.UseKestrel(0);
        _api.StartServer();
        var addresses = _api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
            ?? throw new InvalidOperationException("Kestrel reports no address.");
        BaseUrl = addresses.Addresses.First().TrimEnd('/');
        await _api.WaitForStatusAsync("/health", HttpStatusCode.OK);
        if (ChromiumBrowser.UnavailableReason is null)
        {
            _playwright = await Microsoft.Playwright.Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(ChromiumBrowser.LaunchOptions);
        }
    }

    /// <summary>A page in a fresh browser context, signed in to nothing.</summary>
    public async Task<IPage> NewAnonymousPageAsync()
    {
        var browser = Browser();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
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
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }
    }
}

/// <summary>A page signed in as <see cref="UserName"/>.</summary>
public sealed record SignedInPage(IPage Page, string UserName);
