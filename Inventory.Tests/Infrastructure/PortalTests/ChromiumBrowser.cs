using Microsoft.Playwright;

namespace Inventory.Tests.Infrastructure.PortalTests;

/// <summary>
/// Debian's Chromium (the apt package <c>chromium</c>, which <c>.ci/run</c> installs): Playwright launches it by
/// path and never downloads a browser. Without it a portal test is skipped with the reason, or failed when
/// <c>INVENTORY_REQUIRE_DOCKER=1</c> (as in CI, where nothing may be skipped).
/// </summary>
public static class ChromiumBrowser
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>As root (CI, this machine) Chromium only starts without its sandbox.</summary>
    public static BrowserTypeLaunchOptions LaunchOptions { get; } = new()
    {
        ExecutablePath = ExecutablePath,
        Args = ["--no-sandbox"],
        Headless = true,
    };

    public static string? UnavailableReason { get; } = File.Exists(ExecutablePath)
        ? null
        : $"{ExecutablePath} does not exist: install the apt package chromium";

    public static void RequireOrSkip()
    {
        if (UnavailableReason is null)
        {
            return;
        }
        if (Environment.GetEnvironmentVariable(DockerEngine.RequireVariable) == "1")
        {
            Assert.Fail($"{DockerEngine.RequireVariable}=1 but the portal tests cannot run: {UnavailableReason}");
        }
        Assert.Skip($"Needs Chromium: {UnavailableReason}");
    }
}
