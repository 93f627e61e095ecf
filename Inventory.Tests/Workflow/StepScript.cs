using Inventory.Tests.Infrastructure;

using YamlDotNet.RepresentationModel;

namespace Inventory.Tests.Workflow;

/// <summary>
/// Runs a step's <c>run:</c> script with bash the way a Linux runner does (<c>bash -e</c>, in a working directory,
/// with the step's inputs as environment variables and a <c>GITHUB_OUTPUT</c> file), so its logic is tested, not read.
/// </summary>
public sealed class StepScript : IDisposable
{
    private readonly DirectoryInfo _workspace = Directory.CreateTempSubdirectory("inventory-step-");

    public string Workspace => _workspace.FullName;

    public async Task<(ProcessResult Result, IReadOnlyDictionary<string, string> Outputs)> RunAsync(
        YamlMappingNode step, IReadOnlyDictionary<string, string?> environment)
    {
        var script = step.Scalar("run") ?? throw new InvalidOperationException("the step has no run: script");
        Assert.DoesNotContain("${{", script, StringComparison.Ordinal);
        var scriptFile = Path.Combine(Workspace, ".step.sh");
        var outputFile = Path.Combine(Workspace, ".github-output");
        await File.WriteAllTextAsync(scriptFile, script, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(outputFile, "", TestContext.Current.CancellationToken);

        var env = new Dictionary<string, string?>(environment) { ["GITHUB_OUTPUT"] = outputFile };
        var result = await ProcessRunner.RunAsync("bash", ["--noprofile", "--norc", "-e", scriptFile], env, Workspace,
            timeout: TimeSpan.FromSeconds(30), cancellationToken: TestContext.Current.CancellationToken);

        var outputs = (await File.ReadAllLinesAsync(outputFile, TestContext.Current.CancellationToken))
            .Where(l => l.Contains('=', StringComparison.Ordinal))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return (result, outputs);
    }

    /// <summary>
    /// A stand-in for a script of the repository that prints the arguments it got, one per line, and exits with
    /// <paramref name="exitCode"/>.
    /// </summary>
    public void AddArgumentEcho(string relativePath, int exitCode = 0)
    {
        var path = Path.Combine(Workspace, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"#!/usr/bin/env bash\nprintf 'arg:%s\\n' \"$@\"\nexit {exitCode}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => _workspace.Delete(recursive: true);
}
