using System.ComponentModel;
using System.Diagnostics;

namespace Inventory.AppHost.Postgres;

/// <summary>
/// Asks the container engine Aspire will use (Docker, or Podman when <c>ASPIRE_CONTAINER_RUNTIME=podman</c>)
/// whether it answers, and whether an image is present — Aspire itself waits forever when either is missing.
/// </summary>
internal sealed class ContainerEngine(string cli)
{
    private static readonly TimeSpan InfoTimeout = TimeSpan.FromSeconds(5);

    public string Cli { get; } = cli;

    public static ContainerEngine FromEnvironment() =>
        new(Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") is { Length: > 0 } runtime
            ? runtime
            : "docker");

    /// <summary>True when <c>{cli} info</c> answers within five seconds.</summary>
    public bool Answers() => Run(InfoTimeout, "info", "--format", "{{.ServerVersion}}").ExitCode == 0;

    public bool HasImage(string image) =>
        Run(InfoTimeout, "image", "inspect", "--format", "{{.Id}}", image).ExitCode == 0;

    /// <summary>
    /// Pulls <paramref name="image"/>, showing the engine's progress; returns the engine's error when it fails.
    /// </summary>
    public (bool Ok, string Error) Pull(string image, TimeSpan timeout)
    {
        var result = Run(timeout, "pull", image);
        return (result.ExitCode == 0, result.Error.Trim());
    }

    private (int ExitCode, string Error) Run(TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(Cli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return (-1, $"'{Cli} {string.Join(' ', args)}' did not answer within {timeout.TotalSeconds:0} s");
            }
            return (process.ExitCode, stderr.GetAwaiter().GetResult());
        }
        catch (Win32Exception ex)
        {
            // The CLI is not on PATH at all.
            return (-1, ex.Message);
        }
    }
}
