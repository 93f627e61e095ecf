using YamlDotNet.RepresentationModel;

namespace Inventory.Tests.Workflow;

/// <summary>
/// .github/dependabot.yml keeps the actions, the NuGet packages and the Dockerfile's base images current.
/// </summary>
public sealed class DependabotTests
{
    private static readonly string[] Intervals = ["daily", "weekly", "monthly"];

    [Theory]
    [InlineData("github-actions")]
    [InlineData("nuget")]
    [InlineData("docker")]
    public void Dependabot_watches_the_ecosystem_at_the_repository_root(string ecosystem)
    {
        var config = WorkflowDocument.Load(WorkflowDocument.Dependabot).Root;
        Assert.Equal("2", config.Scalar("version"));

        var update = Assert.Single(
            ((YamlSequenceNode)config.Child("updates")!).Children.Cast<YamlMappingNode>(),
            u => u.Scalar("package-ecosystem") == ecosystem);
        Assert.Equal("/", update.Scalar("directory"));
        Assert.Contains(update.Mapping("schedule").Scalar("interval"), Intervals);
    }
}
