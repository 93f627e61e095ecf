using Microsoft.Extensions.Options;

namespace Inventory.Api.Http;

internal static partial class StartupFailure
{
    /// <summary>
    /// Runs the app; invalid configuration (options validated at start-up) stops it with one critical line that names
    /// every bad setting and exit code 1, instead of an unhandled-exception stack trace.
    /// </summary>
    public static int RunOrExplain(this WebApplication app)
    {
        try
        {
            app.Run();
            // The migrator sets the exit code when it stops the app; keep it.
            return Environment.ExitCode;
        }
        catch (OptionsValidationException ex)
        {
            LogInvalidConfiguration(app.Logger, ex.Failures);
            // Disposing flushes the console logger's queue before the process ends.
            ((IDisposable)app).Dispose();
            return 1;
        }
    }

    [LoggerMessage(EventId = 5, Level = LogLevel.Critical,
        Message = "Configuration is invalid, the API is stopping — fix these settings and start it again: {Failures}")]
    private static partial void LogInvalidConfiguration(ILogger logger, IEnumerable<string> failures);
}
