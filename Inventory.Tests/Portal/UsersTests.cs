using System.Text.RegularExpressions;
using Inventory.Api.Auth;
using Inventory.Tests.Infrastructure.ApiTests;
using Inventory.Tests.Infrastructure.PortalTests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Inventory.Tests.Portal;

/// <summary>Users (Admin): create with a one-time password, change the role, disable, reset the password.</summary>
[Collection(PortalTestGroup.Name)]
public sealed class UsersTests(PortalFixture portal)
{
    [Fact]
    public async Task An_admin_creates_a_user_whose_one_time_password_must_be_changed_then_changes_the_role()
    {
        var admin = await portal.NewSignedInPageAsync(ApiRoles.Admin);
        var page = admin.Page;
        await page.GotoAsync("/users/new");
        await PortalAssert.NoAxeViolationsAsync(page);
        await PortalScreenshots.AttachAsync(page, "users-new");
        var userName = ApiFixture.Unique("clerk");
        await page.GetByLabel("User name").FillAsync(userName);
        await page.GetByLabel("Role").SelectOptionAsync(ApiRoles.Reader);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        var oneTime = await page.Locator("#one-time-password").TextContentAsync();
        Assert.False(string.IsNullOrWhiteSpace(oneTime));
        await PortalAssert.NoAxeViolationsAsync(page);
        await PortalScreenshots.AttachAsync(page, "users-created");

        var clerk = await portal.NewAnonymousPageAsync();
        await PortalFixture.SignInAsync(clerk, userName, oneTime!);
        await Expect(clerk).ToHaveURLAsync(new Regex("/account/password$"));

        await page.GotoAsync("/users");
        await PortalAssert.NoAxeViolationsAsync(page);
        await PortalScreenshots.AttachAsync(page, "users");
        await page.GetByRole(AriaRole.Link, new() { Name = userName }).ClickAsync();
        await page.GetByLabel("Role").SelectOptionAsync(ApiRoles.Operator);
        await page.GetByRole(AriaRole.Button, new() { Name = "Change role" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"{userName} is now Operator");
        await PortalAssert.NoAxeViolationsAsync(page);
        await PortalScreenshots.AttachAsync(page, "users-edit");
    }

    [Fact]
    public async Task A_disabled_users_session_ends_at_once_and_they_cannot_sign_in_again()
    {
        var clerk = await portal.NewSignedInPageAsync(ApiRoles.Operator);
        await clerk.Page.GotoAsync("/account");
        await Expect(clerk.Page.GetByRole(AriaRole.Heading, new() { Name = "My account" })).ToBeVisibleAsync();

        var admin = await portal.NewSignedInPageAsync(ApiRoles.Admin);
        await admin.Page.GotoAsync("/users");
        await admin.Page.GetByRole(AriaRole.Link, new() { Name = clerk.UserName }).ClickAsync();
        await admin.Page.GetByRole(AriaRole.Button, new() { Name = "Disable user" }).ClickAsync();
        await Expect(admin.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("is disabled");

        await clerk.Page.GotoAsync("/account");
        await Expect(clerk.Page).ToHaveURLAsync(new Regex("/account/signin\\?ReturnUrl="));
        await PortalFixture.SignInAsync(clerk.Page, clerk.UserName, PortalFixture.Password);
        await Expect(clerk.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("disabled");
    }

    [Fact]
    public async Task A_reset_password_ends_the_session_and_the_new_one_must_be_changed()
    {
        var clerk = await portal.NewSignedInPageAsync(ApiRoles.Reader);
        var admin = await portal.NewSignedInPageAsync(ApiRoles.Admin);
        await admin.Page.GotoAsync("/users");
        await admin.Page.GetByRole(AriaRole.Link, new() { Name = clerk.UserName }).ClickAsync();
        await admin.Page.GetByRole(AriaRole.Button, new() { Name = "Reset password" }).ClickAsync();
        var oneTime = await admin.Page.Locator("#one-time-password").TextContentAsync();

        await clerk.Page.GotoAsync("/account");
        await Expect(clerk.Page).ToHaveURLAsync(new Regex("/account/signin"));
        await PortalFixture.SignInAsync(clerk.Page, clerk.UserName, oneTime!);
        await Expect(clerk.Page).ToHaveURLAsync(new Regex("/account/password$"));
    }

    [Fact]
    public async Task Only_an_admin_reaches_the_users_pages()
    {
        var signedIn = await portal.NewSignedInPageAsync(ApiRoles.Operator);

        await signedIn.Page.GotoAsync("/users");

        await Expect(signedIn.Page).ToHaveURLAsync(new Regex("/account/denied"));
        await Expect(signedIn.Page.GetByRole(AriaRole.Link, new() { Name = "Users" })).ToHaveCountAsync(0);
        await PortalAssert.NoAxeViolationsAsync(signedIn.Page);
        await PortalScreenshots.AttachAsync(signedIn.Page, "denied");
    }
}
