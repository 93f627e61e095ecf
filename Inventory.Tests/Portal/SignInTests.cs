using Inventory.Api.Auth;
using Inventory.Tests.Infrastructure.PortalTests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Inventory.Tests.Portal;

/// <summary>The sign-in form in a real browser: the right password opens the portal, a wrong one says so.</summary>
[Collection(PortalTestGroup.Name)]
public sealed class SignInTests(PortalFixture portal)
{
    [Fact]
    public async Task The_right_password_signs_in_and_returns_to_the_page_asked_for()
    {
        var userName = await portal.CreateUserAsync(ApiRoles.Reader);
        var page = await portal.NewAnonymousPageAsync();

        await page.GotoAsync("/account");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/signin\\?ReturnUrl="));
        await page.GetByLabel("User name").FillAsync(userName);
        await page.GetByLabel("Password", new PageGetByLabelOptions { Exact = true }).FillAsync(PortalFixture.Password);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Sign in" }).ClickAsync();

        await Expect(page).ToHaveURLAsync($"{portal.BaseUrl}/account");
        await Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = "My account" }))
            .ToBeVisibleAsync();
        await Expect(page.Locator("main")).ToContainTextAsync(userName);
        await PortalScreenshots.AttachAsync(page, "account");
    }

    [Fact]
    public async Task A_wrong_password_shows_a_message_and_stays_on_the_form()
    {
        var userName = await portal.CreateUserAsync(ApiRoles.Operator);
        var page = await portal.NewAnonymousPageAsync();

        await PortalFixture.SignInAsync(page, userName, "not the password at all");

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("user name or password is not right");
        await Expect(page.GetByLabel("User name")).ToHaveValueAsync(userName);
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/signin"));
        await PortalScreenshots.AttachAsync(page, "signin-wrong-password");
    }

    [Fact]
    public async Task The_sign_in_page_passes_axe()
    {
        var page = await portal.NewAnonymousPageAsync();
        await page.GotoAsync("/account/signin");

        await PortalAssert.NoAxeViolationsAsync(page);
        await PortalScreenshots.AttachAsync(page, "signin");
    }
}
