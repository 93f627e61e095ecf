using System.Text.RegularExpressions;

using Inventory.Tests.Infrastructure;

using YamlDotNet.RepresentationModel;

namespace Inventory.Tests.Workflow;

/// <summary>
/// A YAML file of <c>.github/</c> (a workflow, dependabot.yml) as YamlDotNet nodes, with the look-ups the tests need.
/// </summary>
public sealed partial class WorkflowDocument
{
    public const string CiCd = ".github/workflows/ci-cd.yml";
    public const string Rollback = ".github/workflows/rollback.yml";
    public const string Dependabot = ".github/dependabot.yml";

    private WorkflowDocument(string relativePath, YamlMappingNode root)
    {
        RelativePath = relativePath;
        Root = root;
    }

    public string RelativePath { get; }

    public YamlMappingNode Root { get; }

    public YamlMappingNode Jobs => Root.Mapping("jobs");

    /// <summary>The <c>on:</c> triggers by event name (a bare <c>on: push</c> or list counts too).</summary>
    public IReadOnlyDictionary<string, YamlNode?> Triggers => Root.Child("on") switch
    {
        YamlScalarNode single => new Dictionary<string, YamlNode?> { [single.Value!] = null },
        YamlSequenceNode list => list.Children.ToDictionary(e => ((YamlScalarNode)e).Value!, _ => (YamlNode?)null),
        YamlMappingNode map => map.Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => (YamlNode?)e.Value),
        _ => throw new InvalidOperationException($"{RelativePath} has no 'on:' triggers"),
    };

    public static WorkflowDocument Load(string relativePath)
    {
        var path = Path.Combine(RepositoryPaths.Root, relativePath);
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }
        return new WorkflowDocument(relativePath, (YamlMappingNode)stream.Documents.Single().RootNode);
    }

    /// <summary>Every workflow of the repository, so checks that must hold everywhere see new files too.</summary>
    public static IReadOnlyList<WorkflowDocument> LoadAllWorkflows() =>
        [.. Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, ".github", "workflows"))
            .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => Load(Path.GetRelativePath(RepositoryPaths.Root, f)))];

    public YamlMappingNode Job(string name) => Jobs.Mapping(name);

    public IEnumerable<(string Name, YamlMappingNode Job)> AllJobs() =>
        Jobs.Children.Select(e => (((YamlScalarNode)e.Key).Value!, (YamlMappingNode)e.Value));

    public static IReadOnlyList<YamlMappingNode> Steps(YamlMappingNode job) =>
        [.. ((YamlSequenceNode)job.Child("steps")!).Children.Cast<YamlMappingNode>()];

    /// <summary>
    /// The one step of <paramref name="job"/> that uses <paramref name="action"/> (owner/name, any version).
    /// </summary>
    public static YamlMappingNode StepUsing(YamlMappingNode job, string action) =>
        Assert.Single(Steps(job), s => s.Scalar("uses")?.StartsWith(action + "@", StringComparison.Ordinal) == true);

    /// <summary>
    /// The one step of <paramref name="job"/> whose <c>run:</c> script contains <paramref name="text"/>.
    /// </summary>
    public static YamlMappingNode StepRunning(YamlMappingNode job, string text) =>
        Assert.Single(Steps(job), s => s.Scalar("run")?.Contains(text, StringComparison.Ordinal) == true);

    /// <summary>Names of the secrets a node refers to, as <c>secrets.NAME</c> or <c>secrets['NAME']</c>.</summary>
    public static IReadOnlySet<string> SecretsUsedIn(YamlNode node) =>
        node.AllScalars()
            .SelectMany(s => SecretReference().Matches(s).Select(m => m.Groups["name"].Value))
            .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"secrets\s*(?:\.\s*(?<name>[A-Za-z_][A-Za-z0-9_]*)|\[\s*'(?<name>[A-Za-z_][A-Za-z0-9_]*)'\s*\])")]
    private static partial Regex SecretReference();
}

/// <summary>
/// Small, strict look-ups on YamlDotNet nodes: a missing or mistyped key fails the test with its name.
/// </summary>
public static class YamlNodeExtensions
{
    public static YamlNode? Child(this YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static YamlMappingNode Mapping(this YamlMappingNode map, string key) =>
        map.Child(key) as YamlMappingNode
            ?? throw new InvalidOperationException($"'{key}' is missing or not a mapping");

    public static string? Scalar(this YamlMappingNode map, string key) => (map.Child(key) as YamlScalarNode)?.Value;

    /// <summary>A mapping of scalars (env, with, permissions) as a dictionary.</summary>
    public static IReadOnlyDictionary<string, string> ScalarMap(this YamlMappingNode map, string key) =>
        map.Child(key) is YamlMappingNode child
            ? child.Children.ToDictionary(
                e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>();

    /// <summary>The non-empty lines of a multi-line scalar (metadata tags, build args), trimmed.</summary>
    public static IReadOnlyList<string> Lines(this YamlMappingNode map, string key) =>
        [.. (map.Scalar(key) ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];

    public static IEnumerable<string> AllScalars(this YamlNode node) => node switch
    {
        YamlScalarNode scalar => scalar.Value is null ? [] : [scalar.Value],
        YamlSequenceNode list => list.Children.SelectMany(AllScalars),
        YamlMappingNode map => map.Children.SelectMany(e => e.Key.AllScalars().Concat(e.Value.AllScalars())),
        _ => [],
    };

    /// <summary>An <c>if:</c> condition without its optional <c>${{ }}</c> wrapper and with single spaces.</summary>
    public static string? Condition(this YamlMappingNode map)
    {
        var condition = map.Scalar("if")?.Trim();
        if (condition is null)
        {
            return null;
        }
        if (condition.StartsWith("${{", StringComparison.Ordinal) && condition.EndsWith("}}", StringComparison.Ordinal))
        {
            condition = condition[3..^2].Trim();
        }
        return string.Join(' ', condition.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}
