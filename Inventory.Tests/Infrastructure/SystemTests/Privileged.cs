namespace Inventory.Tests.Infrastructure.SystemTests;

/// <summary>
/// The few steps of the deploy tests that need root (a user account, sshd, files owned by that user): run directly
/// when the tests run as root (.ci/run), through <c>sudo -n</c> otherwise (GitHub's runner: passwordless sudo).
/// </summary>
public static class Privileged
{
    private static readonly Lazy<Task<string?>> UnavailableReason = new(ProbeAsync);

    public static bool IsRoot { get; } = Environment.UserName == "root";

    /// <summary>Why root is out of reach (no root, no passwordless sudo), or null when it is not.</summary>
    public static Task<string?> UnavailableReasonAsync() => UnavailableReason.Value;

    /// <summary>Runs <paramref name="fileName"/> as root; the caller judges the exit code.</summary>
    public static Task<ProcessResult> RunAsync(
        string fileName, IEnumerable<string> arguments, string? standardInput = null,
        TimeSpan? timeout = null) =>
        IsRoot
            ? ProcessRunner.RunAsync(fileName, arguments, standardInput: standardInput, timeout: timeout)
            : ProcessRunner.RunAsync(
                "sudo", ["-n", "--", fileName, .. arguments], standardInput: standardInput, timeout: timeout);

    /// <summary>Runs <paramref name="fileName"/> as root and fails with its output unless it succeeds.</summary>
    public static async Task<ProcessResult> RunCheckedAsync(string fileName, params string[] arguments) =>
        (await RunAsync(fileName, arguments)).EnsureSuccess($"(as root) {fileName} {string.Join(' ', arguments)}");

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> owned by <paramref name="owner"/> with
    /// <paramref name="mode"/>.
    /// </summary>
    public static async Task WriteFileAsync(string path, string content, string owner, string mode)
    {
        var staging = Path.Combine(Path.GetTempPath(), DockerCli.UniqueName("staged"));
        await File.WriteAllTextAsync(staging, content);
        try
        {
            await RunCheckedAsync("install", "-m", mode, "-o", owner, "-g", owner, staging, path);
        }
        finally
        {
            File.Delete(staging);
        }
    }

    private static async Task<string?> ProbeAsync()
    {
        if (IsRoot)
        {
            return null;
        }
        try
        {
            var sudo = await ProcessRunner.RunAsync("sudo", ["-n", "true"], timeout: TimeSpan.FromSeconds(10));
            return sudo.Succeeded ? null : $"not root, and 'sudo -n true' failed: {sudo.Output.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"not root, and sudo cannot run: {ex.Message}";
        }
    }
}
