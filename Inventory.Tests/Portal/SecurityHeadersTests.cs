using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Inventory.Api.Auth;
using Inventory.Tests.Infrastructure.PortalTests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Inventory.Tests.Portal;

/// <summary>
/// The portal's security headers and cookies, and its error pages: a browser never gets a raw error or the API's JSON.
/// </summary>
[Collection(PortalTestGroup.Name)]
public sealed partial class SecurityHeadersTests(PortalFixture portal)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Portal_pages_carry_the_security_headers_and_the_api_does_not_change()
    {
        using var http = NewHttpClient();
        using var page = await http.GetAsync("/account/signin", Ct);
        using var css = await http.GetAsync("/portal.css", Ct);
        using var api = await http.GetAsync("/api/items", Ct);

        foreach (var response in new[] { page, css })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
            foreach (var directive in new[]
            {
                "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
                "frame-ancestors 'none'", "form-action 'self'", "base-uri 'self'",
            })
            {
                Assert.Contains(directive, csp, StringComparison.Ordinal);
            }
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("same-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        }
        Assert.True(page.Headers.CacheControl?.NoStore);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.False(api.Headers.Contains("Content-Security-Policy"));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("https", true)]
    public async Task The_auth_cookie_is_HttpOnly_SameSite_and_Secure_when_the_proxy_says_https(
        string? forwardedProto, bool secure)
    {
        var userName = await portal.CreateUserAsync(ApiRoles.Reader);
        using var http = NewHttpClient();
        if (forwardedProto is not null)
        {
            http.DefaultRequestHeaders.Add("X-Forwarded-Proto", forwardedProto);
        }
        using var form = await http.GetAsync("/account/signin", Ct);
        var antiforgeryCookie = Assert.Single(form.Headers.GetValues("Set-Cookie"));
        var html = await form.Content.ReadAsStringAsync(Ct);
        var token = TokenField().Match(html).Groups["token"].Value;
        Assert.NotEmpty(token);

        using var post = new HttpRequestMessage(HttpMethod.Post, "/account/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "signin",
                ["__RequestVerificationToken"] = token,
                ["Input.UserName"] = userName,
                ["Input.Password"] = PortalFixture.Password,
            }),
        };
        post.Headers.Add("Cookie", antiforgeryCookie.Split(';')[0]);
        using var signedIn = await http.SendAsync(post, Ct);

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var authCookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"),
            c => c.StartsWith("inventory.portal=", StringComparison.Ordinal));
        foreach (var cookie in new[] { antiforgeryCookie, authCookie })
        {
            var attributes = cookie.ToLowerInvariant();
            Assert.Contains("httponly", attributes, StringComparison.Ordinal);
            Assert.Contains("samesite=", attributes, StringComparison.Ordinal);
            Assert.DoesNotContain("samesite=none", attributes, StringComparison.Ordinal);
            Assert.Equal(secure, attributes.Contains("secure", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_cookie_never_authenticates_an_api_call()
    {
        var signedIn = await portal.NewSignedInPageAsync(ApiRoles.Admin);

        var response = await signedIn.Page.APIRequest.GetAsync("/api/items");

        Assert.Equal(401, response.Status);
    }

    [Fact]
    public async Task An_unknown_address_shows_the_not_found_page_and_the_api_keeps_its_problem_details()
    {
        var signedIn = await portal.NewSignedInPageAsync(ApiRoles.Operator);
        var violations = new List<string>();
        signedIn.Page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add(message.Text);
            }
        };

        var response = await signedIn.Page.GotoAsync("/no-such-page");

        Assert.Equal(404, response!.Status);
        await Expect(signedIn.Page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
        await Expect(signedIn.Page.GetByRole(AriaRole.Navigation, new() { Name = "Main" })).ToBeVisibleAsync();
        await PortalAssert.NoAxeViolationsAsync(signedIn.Page);
        await PortalScreenshots.AttachAsync(signedIn.Page, "not-found");
        Assert.Empty(violations);

        using var http = NewHttpClient();
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        using var api = await http.GetAsync("/api/no-such-thing", Ct);
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.NotEqual("text/html", api.Content.Headers.ContentType?.MediaType);
    }

    private HttpClient NewHttpClient() =>
        new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(portal.BaseUrl),
        };

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex TokenField();
}
