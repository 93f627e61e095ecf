using System.Text.RegularExpressions;

using Inventory.Tests.Infrastructure;

using YamlDotNet.RepresentationModel;

namespace Inventory.Tests.Workflow;

/// <summary>
/// A tag can be moved to other code by whoever controls the action's repository, and the jobs that run these actions
/// hold write tokens: every action is pinned to a full commit SHA, with the release it is in a comment (what
/// Dependabot reads and updates), except the repository's own <c>./</c> actions.
/// </summary>
public sealed partial class PinnedActionTests
{
    [Fact]
    public void Every_action_is_pinned_to_a_full_commit_sha_with_its_version_in_a_comment()
    {
        var workflows = WorkflowDocument.LoadAllWorkflows();

        Assert.All(workflows, workflow =>
        {
            var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, workflow.RelativePath));
            var onTheirOwnLine = lines.Select(l => UsesLine().Match(l)).Where(m => m.Success).ToList();
            // Every uses: the YAML holds sits on a line of its own, where its comment can be read.
            Assert.Equal(
                UsesIn(workflow).Order(StringComparer.Ordinal),
                onTheirOwnLine.Select(m => m.Groups["ref"].Value).Order(StringComparer.Ordinal));
            Assert.All(onTheirOwnLine, m => Assert.Null(Violation(m.Value)));
        });
        Assert.Contains(workflows, w => UsesIn(w).Any());
    }

    [Theory]
    [InlineData("      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1")]
    [InlineData("        uses: docker/login-action@dbcb813823bdd20940b903addbd779551569679f # v4.6.0")]
    [InlineData("    uses: octo-org/monorepo/path/to/action@0123456789abcdef0123456789abcdef01234567 # v2")]
    [InlineData("      - uses: ./.github/actions/setup")]
    public void The_rule_accepts_a_full_sha_with_its_version_and_a_local_action(string line)
    {
        Assert.Null(Violation(line));
    }

    [Theory]
    [InlineData("      - uses: actions/checkout@v7")]
    [InlineData("      - uses: actions/checkout@v7.0.1")]
    [InlineData("      - uses: actions/checkout@main")]
    [InlineData("      - uses: actions/checkout@3d3c42e")]
    [InlineData("      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1")]
    [InlineData("      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # latest")]
    [InlineData("      - uses: actions/checkout@3D3C42E5AAC5BA805825DA76410C181273BA90B1 # v7.0.1")]
    [InlineData("      - uses: docker://alpine:3.22")]
    public void The_rule_refuses_a_tag_a_branch_a_short_sha_or_a_sha_without_its_version(string line)
    {
        Assert.NotNull(Violation(line));
    }

    /// <summary>Why a <c>uses:</c> line breaks the rule, or null when it keeps it.</summary>
    private static string? Violation(string line)
    {
        var match = UsesLine().Match(line);
        Assert.True(match.Success, $"not a uses: line: {line}");
        var reference = match.Groups["ref"].Value;
        if (reference.StartsWith("./", StringComparison.Ordinal))
        {
            return null;
        }
        if (!PinnedReference().IsMatch(reference))
        {
            return $"'{reference}' is not pinned to a full 40-hex commit SHA";
        }
        return VersionComment().IsMatch(match.Groups["comment"].Value)
            ? null
            : $"'{reference}' has no '# vX.Y.Z' comment naming its release";
    }

    /// <summary>Every <c>uses:</c> of the workflow: of its steps, and of jobs that call a reusable workflow.</summary>
    private static IEnumerable<string> UsesIn(WorkflowDocument workflow) =>
        workflow.AllJobs()
            .SelectMany(j => (j.Job.Child("steps") is null ? [] : WorkflowDocument.Steps(j.Job)).Append(j.Job))
            .Select(node => node.Scalar("uses"))
            .OfType<string>();

    [GeneratedRegex(@"^\s*(?:-\s+)?uses:\s*(?<q>[""']?)(?<ref>[^\s""'#]+)\k<q>(?:\s+#\s*(?<comment>.*?))?\s*$")]
    private static partial Regex UsesLine();

    [GeneratedRegex(@"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+(?:/[A-Za-z0-9._/-]+)?@[0-9a-f]{40}$")]
    private static partial Regex PinnedReference();

    [GeneratedRegex(@"^v[0-9]+(?:\.[0-9]+){0,2}$")]
    private static partial Regex VersionComment();
}
