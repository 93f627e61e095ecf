using System.Security.Cryptography;

namespace Inventory.Tests.Infrastructure.SystemTests;

/// <summary>
/// The <c>docker</c> CLI, run as an operator would (whatever <c>DOCKER_HOST</c> the test run has). Callers first
/// make sure an engine answers (<see cref="DockerEngine.RequireOrSkip"/>).
/// </summary>
public static class DockerCli
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Runs <c>docker <paramref name="arguments"/></c>; the caller judges the exit code.</summary>
    public static Task<ProcessResult> RunAsync(IEnumerable<string> arguments, TimeSpan? timeout = null,
        string? workingDirectory = null, CancellationToken cancellationToken = default) =>
        ProcessRunner.RunAsync("docker", arguments, workingDirectory: workingDirectory,
            timeout: timeout ?? DefaultTimeout, cancellationToken: cancellationToken);

    /// <summary>
    /// Runs <c>docker <paramref name="arguments"/></c>, fails with its output unless it succeeds, returns stdout
    /// trimmed.
    /// </summary>
    public static async Task<string> OutputAsync(params string[] arguments)
    {
        var result = await RunAsync(arguments);
        return result.EnsureSuccess($"docker {string.Join(' ', arguments)}").StandardOutput.Trim();
    }

    /// <summary>
    /// Best-effort removal for clean-up paths: never throws, so one leftover does not hide the test's own failure.
    /// </summary>
    public static async Task RemoveQuietlyAsync(string what, params string[] names)
    {
        if (names.Length == 0)
        {
            return;
        }
        string[] command = what switch
        {
            "container" => ["rm", "--force", "--volumes"],
            "network" => ["network", "rm"],
            "image" => ["image", "rm", "--force"],
            "volume" => ["volume", "rm"],
            _ => throw new ArgumentOutOfRangeException(nameof(what), what, "container, network, image or volume"),
        };
        try
        {
            await RunAsync([.. command, .. names], TimeSpan.FromSeconds(60));
        }
        catch (Exception ex) when (ex is TimeoutException or System.ComponentModel.Win32Exception)
        {
            // .ci/run reports leftovers; here the test's own result matters more.
        }
    }

    /// <summary>
    /// A name no other run or engineer on the shared engine uses: <c>inventory-test-PURPOSE-RANDOM</c>.
    /// </summary>
    public static string UniqueName(string purpose) =>
        $"inventory-test-{purpose}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5))}";

    /// <summary>
    /// Writes <c>KEY=value</c> lines to a file only the owner can read, for <c>docker run --env-file</c>: secrets
    /// never appear on a process command line. Delete it once the container has started.
    /// </summary>
    public static string WriteEnvFile(IReadOnlyDictionary<string, string> environment)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{UniqueName("env")}.env");
        using (var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        using (var writer = new StreamWriter(stream))
        {
            foreach (var (key, value) in environment)
            {
                if (value.Contains('\n', StringComparison.Ordinal))
                {
                    throw new ArgumentException($"An --env-file value cannot span lines ({key}).", nameof(environment));
                }
                writer.Write($"{key}={value}\n");
            }
        }
        return path;
    }
}
