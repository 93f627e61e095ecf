using System.Text.RegularExpressions;
using Inventory.Api.Auth;
using Inventory.Api.Portal;
using Inventory.Tests.Infrastructure.PortalTests;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Inventory.Tests.Portal;

/// <summary>Lockout, the password policy, changing a password, and the first admin made from the settings.</summary>
[Collection(PortalTestGroup.Name)]
public sealed class AccountTests(PortalFixture portal)
{
    private const string InitialPassword = "first admin password 7c1e";

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_against_the_right_one()
    {
        var userName = await portal.CreateUserAsync(ApiRoles.Operator);
        var page = await portal.NewAnonymousPageAsync();

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await PortalFixture.SignInAsync(page, userName, $"wrong password number {attempt}");
            await Expect(page.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();
        }
        await PortalFixture.SignInAsync(page, userName, PortalFixture.Password);

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("locked");
        await Expect(page).ToHaveURLAsync(new Regex("/account/signin"));
        await PortalScreenshots.AttachAsync(page, "signin-locked");
    }

    [Fact]
    public async Task The_first_admin_must_change_the_password_before_any_page_and_is_made_only_once()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Portal:InitialAdmin:UserName"] = "first-admin",
            ["Portal:InitialAdmin:Password"] = InitialPassword,
        };
        string database;
        await using (var app = await portal.StartAppAsync(settings))
        {
            database = app.Api.ConnectionString;
            var page = await portal.NewAnonymousPageAsync(app.BaseUrl);
            await PortalFixture.SignInAsync(page, "first-admin", InitialPassword);
            await Expect(page).ToHaveURLAsync(new Regex("/account/password$"));
            await page.GotoAsync("/users");
            await Expect(page).ToHaveURLAsync(new Regex("/account/password$"));
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Choose a new password");
            await PortalAssert.NoAxeViolationsAsync(page);
            await PortalScreenshots.AttachAsync(page, "password-must-change");
            // Downloads are gated as pages are.
            var download = await page.APIRequest.GetAsync("/export/items.csv", new() { MaxRedirects = 0 });
            Assert.Equal(302, download.Status);
            Assert.EndsWith("/account/password", download.Headers["location"]);

            await ChangePasswordAsync(page, InitialPassword, "too short");
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("at least 12 characters");

            await ChangePasswordAsync(page, InitialPassword, "a much longer new admin password");
            await Expect(page).ToHaveURLAsync(new Regex("/account\\?changed=1$"));
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("password was changed");
            await PortalAssert.NoAxeViolationsAsync(page);
            await PortalScreenshots.AttachAsync(page, "account-password-changed");
            await page.GotoAsync("/users");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Users" })).ToBeVisibleAsync();
        }

        // Started again with other settings, on the same database: a user exists, so none is made.
        settings["Portal:InitialAdmin:UserName"] = "second-admin";
        await using var again = await portal.StartAppAsync(settings, database);
        await using var scope = again.Api.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        Assert.Null(await users.FindByNameAsync("second-admin"));
        var first = await users.FindByNameAsync("first-admin");
        Assert.NotNull(first);
        Assert.False(first.MustChangePassword);
    }

    [Fact]
    public async Task At_360_pixels_wide_the_account_pages_do_not_scroll_sideways()
    {
        var admin = await portal.NewSignedInPageAsync(ApiRoles.Admin);
        await admin.Page.SetViewportSizeAsync(360, 740);

        foreach (var path in new[] { "/account", "/account/keys", "/account/password", "/users", "/users/new" })
        {
            await admin.Page.GotoAsync(path);
            var overflow = await admin.Page.EvaluateAsync<int>(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            Assert.True(overflow <= 0, $"{path} is {overflow} px wider than a 360 px screen");
        }
        await PortalScreenshots.AttachAsync(admin.Page, "users-new-360px");
    }

    private static async Task ChangePasswordAsync(IPage page, string current, string next)
    {
        await page.GetByLabel("Current password").FillAsync(current);
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync(next);
        await page.GetByLabel("New password again").FillAsync(next);
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
    }
}
