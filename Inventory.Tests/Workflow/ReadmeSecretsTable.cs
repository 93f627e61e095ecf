using Inventory.Tests.Infrastructure;

namespace Inventory.Tests.Workflow;

/// <summary>
/// The secrets table of .github/workflows/README.md's <c>## Secrets</c> section: the Markdown table whose first
/// header cell is "secret"; each row's first cell names one secret (in backticks).
/// </summary>
public static class ReadmeSecretsTable
{
    public const string Section = "## Secrets";
    private const string Readme = ".github/workflows/README.md";

    /// <summary>The lines of the section, up to the next <c>## </c> heading.</summary>
    public static List<string> SectionLines()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, Readme));
        var start = Array.FindIndex(lines, l => l.Trim() == Section);
        Assert.True(start >= 0, $"{Readme} has no '{Section}' section");
        return [.. lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal))];
    }

    public static IReadOnlyList<string> SecretNames()
    {
        var section = SectionLines();
        var header = section.FindIndex(l =>
            Cells(l) is [var first, ..] && first.Equals("secret", StringComparison.OrdinalIgnoreCase));
        Assert.True(header >= 0, $"{Readme}'s '{Section}' section has no table whose first column is 'secret'");
        return [.. section
            .Skip(header + 2) // the header and its |---| separator
            .TakeWhile(l => l.TrimStart().StartsWith('|'))
            .Select(l => Cells(l)[0].Trim('`'))];
    }

    private static string[] Cells(string line)
    {
        var trimmed = line.Trim();
        return trimmed.StartsWith('|') && trimmed.EndsWith('|')
            ? [.. trimmed[1..^1].Split('|').Select(c => c.Trim())]
            : [];
    }
}
