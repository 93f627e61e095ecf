namespace Inventory.Tests.Infrastructure;

/// <summary>Locations in the repository under test, found from the test binary (…/Inventory.Tests/bin/…).</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    /// <summary>The build output of another project of the solution, built with the same configuration.</summary>
    public static string BuildOutput(string project) =>
        Path.Combine(Root, project, "bin", Configuration, "net10.0");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Inventory.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No Inventory.sln above {AppContext.BaseDirectory}.");
    }
}
