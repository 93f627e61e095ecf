using System.Text;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Inventory.Tests.Infrastructure.PortalTests;

/// <summary>Checks every portal page must pass.</summary>
public static class PortalAssert
{
    private static readonly string[] WcagTags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

    /// <summary>axe-core finds no WCAG 2.1 A/AA violation on the page as it is now; the message lists each.</summary>
    public static async Task NoAxeViolationsAsync(IPage page)
    {
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = [.. WcagTags] },
        });
        if (result.Violations.Length == 0)
        {
            return;
        }
        var message = new StringBuilder($"axe found {result.Violations.Length} violation(s) on {page.Url}:");
        foreach (var violation in result.Violations)
        {
            message.AppendLine().Append("- ").Append(violation.Id).Append(" (").Append(violation.Impact)
                .Append("): ").Append(violation.Help);
            foreach (var node in violation.Nodes)
            {
                message.AppendLine().Append("    ").Append(node.Target)
                    .Append(": ").Append(node.Html);
            }
        }
        Assert.Fail(message.ToString());
    }
}
