using Microsoft.Playwright;

namespace Inventory.Tests.Infrastructure.PortalTests;

/// <summary>Full-page screenshots attached to the test's results (xunit v3 attachments), one per page shown.</summary>
public static class PortalScreenshots
{
    public static async Task AttachAsync(IPage page, string name)
    {
        var png = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true });
        TestContext.Current.AddAttachment($"{name}.png", png, "image/png");
    }
}
