using System.Text.RegularExpressions;

namespace Inventory.Tests.Workflow;

/// <summary>
/// Where a plan has no environment secrets, the README's <c>## Secrets</c> section must not let an operator believe
/// repository secrets are as safe: it says who can read them and what to use instead.
/// </summary>
public sealed class SecretsFallbackDocsTests
{
    // The Markdown joined into one line with single spaces, so a phrase may wrap anywhere.
    private static readonly string Section =
        Regex.Replace(string.Join(' ', ReadmeSecretsTable.SectionLines()), @"\s+", " ");

    [Fact]
    public void The_fallback_says_repository_secrets_are_readable_by_any_run_anyone_with_push_access_starts()
    {
        Assert.Contains("repository secret is readable by any workflow run", Section, StringComparison.Ordinal);
        Assert.Contains("anyone with push access can start one", Section, StringComparison.Ordinal);
        Assert.Contains("push a branch whose workflow", Section, StringComparison.Ordinal);
    }

    [Fact]
    public void The_fallback_recommends_environment_secrets_with_required_reviewers_or_branch_protection()
    {
        Assert.Contains("environment secrets with required reviewers", Section, StringComparison.Ordinal);
        Assert.Contains("deployment branch rule", Section, StringComparison.Ordinal);
        Assert.Contains("branch protection", Section, StringComparison.Ordinal);
    }
}
