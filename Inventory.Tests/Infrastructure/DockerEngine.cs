namespace Inventory.Tests.Infrastructure;

/// <summary>
/// Whether a Docker engine answers. Tests that need one call <see cref="RequireOrSkip"/>: skipped with the reason
/// on a machine without an engine, failed instead when <c>INVENTORY_REQUIRE_DOCKER=1</c> (as <c>.ci/run</c> sets).
/// </summary>
public static class DockerEngine
{
    public const string RequireVariable = "INVENTORY_REQUIRE_DOCKER";

    private static readonly Lazy<Task<string?>> UnavailableReason = new(ProbeAsync);

    public static async Task<bool> IsAvailableAsync() => await UnavailableReason.Value is null;

    public static async Task RequireOrSkip()
    {
        var reason = await UnavailableReason.Value;
        if (reason is null)
        {
            return;
        }
        if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
        {
            Assert.Fail($"{RequireVariable}=1 but no Docker engine answers: {reason}");
        }
        Assert.Skip($"Needs a Docker engine, and none answers here: {reason}");
    }

    private static async Task<string?> ProbeAsync()
    {
        try
        {
            var result = await ProcessRunner.RunAsync("docker", ["info", "--format", "{{.ServerVersion}}"],
                timeout: TimeSpan.FromSeconds(10));
            return result.Succeeded ? null
                : $"'docker info' exited {result.ExitCode}: {FirstLine(result.StandardError)}";
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or TimeoutException)
        {
            return $"'docker info' could not run: {ex.Message}";
        }
    }

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
}
