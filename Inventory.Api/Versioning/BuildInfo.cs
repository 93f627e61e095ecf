using System.Reflection;

namespace Inventory.Api.Versioning;

/// <summary>
/// The version and commit this binary was built from (MSBuild <c>Version</c> / <c>SourceRevisionId</c>).
/// </summary>
public sealed record BuildInfo(string Version, string Commit)
{
    public static BuildInfo Current { get; } = FromAssembly(typeof(BuildInfo).Assembly);

    internal static BuildInfo FromAssembly(Assembly assembly)
    {
        var metadata = assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Where(a => a.Value is not null)
            .ToDictionary(a => a.Key, a => a.Value!, StringComparer.Ordinal);
        return new BuildInfo(
            metadata.GetValueOrDefault("InventoryBuildVersion", "dev"),
            metadata.GetValueOrDefault("InventoryBuildCommit", "unknown"));
    }
}
