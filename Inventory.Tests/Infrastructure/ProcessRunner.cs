using System.Diagnostics;
using System.Text;

namespace Inventory.Tests.Infrastructure;

/// <summary>Outcome of a finished child process; <see cref="Output"/> interleaves stdout and stderr.</summary>
public sealed record ProcessResult(
    int ExitCode, string StandardOutput, string StandardError, string Output, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    public ProcessResult EnsureSuccess(string what) => Succeeded
        ? this
        : throw new InvalidOperationException($"{what} failed with exit code {ExitCode}:\n{Output}");
}

/// <summary>Runs real programs (docker, pg_ctl, bash scripts, the built AppHost…) the way an operator would.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        string? standardInput = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var all = new StringBuilder();
        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(stdout, all, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, all, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
        }
        process.StandardInput.Close();

        using var timeoutSource = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutSource.Token, cancellationToken);
        try
        {
            await process.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException(
                $"'{fileName} {string.Join(' ', arguments)}' did not finish within "
                + $"{(timeout ?? TimeSpan.FromMinutes(5)).TotalSeconds:0} s. Output so far:\n{Snapshot(all)}");
        }
        // The asynchronous readers may still hold the last lines.
        process.WaitForExit();
        return new ProcessResult(
            process.ExitCode, Snapshot(stdout), Snapshot(stderr), Snapshot(all), stopwatch.Elapsed);
    }

    private static void Append(StringBuilder own, StringBuilder all, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (all)
        {
            own.AppendLine(line);
            all.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }
}
