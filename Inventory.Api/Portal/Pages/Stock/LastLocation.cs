using Inventory.Api.Http;

namespace Inventory.Api.Portal.Pages.Stock;

/// <summary>
/// The location of the user's last recorded movement, kept in a cookie of this browser so the next stock form starts
/// with it: a clerk scanning items into one bin types the bin once.
/// </summary>
internal static class LastLocation
{
    public const string CookieName = "inventory.last-location";

    /// <summary>The remembered code, if the cookie holds one that is a code at all.</summary>
    public static string? Read(HttpContext http) =>
        http.Request.Cookies.TryGetValue(CookieName, out var code) && new CodeAttribute().IsValid(code) ? code : null;

    public static void Remember(HttpContext http, string code) =>
        http.Response.Cookies.Append(CookieName, code, new CookieOptions
        {
            HttpOnly = true,
            IsEssential = true,
            SameSite = SameSiteMode.Lax,
            Secure = http.Request.IsHttps,
            MaxAge = TimeSpan.FromDays(90),
            Path = "/",
        });
}
