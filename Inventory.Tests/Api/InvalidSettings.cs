using Inventory.Tests.Infrastructure.ApiTests;

namespace Inventory.Tests.Api;

/// <summary>Starts the API in memory with settings it must refuse, and returns how it explained them.</summary>
internal static class InvalidSettings
{
    /// <summary>
    /// The API's one critical "Configuration is invalid" line (<c>StartupFailure.RunOrExplain</c>) for
    /// <paramref name="settings"/>, or every log line when there is none (so a failed assertion shows why).
    /// </summary>
    public static async Task<string> ExplanationAsync(
        PostgresServer postgres, IReadOnlyDictionary<string, string?> settings)
    {
        var logs = new CapturedLogs();
        var api = new ApiFactory(await postgres.CreateDatabaseAsync("badsettings"), settings, logs);
        // The API stops instead of serving, so the factory finds its services disposed.
        Assert.ThrowsAny<Exception>(() => api.CreateClient());
        try
        {
            await api.DisposeAsync();
        }
        catch (ObjectDisposedException)
        {
            // The host that failed to start has disposed its services already.
        }
        return logs.Lines.FirstOrDefault(l => l.Contains("Configuration is invalid", StringComparison.Ordinal))
            ?? string.Join('\n', logs.Lines);
    }
}
