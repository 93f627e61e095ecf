using Microsoft.Extensions.Options;

namespace Inventory.Api;

internal static partial class StartupFailure
{
    /// <summary>
    /// Runs the app; invalid configuration (options validated at start-up) stops it first, with one critical line
    /// that names every bad setting and exit code 1, instead of the host's stack trace.
    /// </summary>
    public static int RunOrExplain(this WebApplication app)
    {
        try
        {
            app.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch (Exception ex) when (InvalidOptions(ex) is { Count: > 0 } invalid)
        {
            var failures = string.Join(" ", invalid.SelectMany(e => e.Failures));
            LogInvalidConfiguration(app.Logger, failures);
            // Disposing flushes the console logger's queue before the process ends.
            ((IDisposable)app).Dispose();
            return 1;
        }

        app.Run();
        // The migrator sets the exit code when it stops the app; keep it.
        return Environment.ExitCode;
    }

    /// <summary>
    /// The options validation failures in <paramref name="ex"/> (several options fail together as an
    /// AggregateException).
    /// </summary>
    private static List<OptionsValidationException> InvalidOptions(Exception ex) => ex switch
    {
        OptionsValidationException single => [single],
        AggregateException many when many.InnerExceptions.All(e => e is OptionsValidationException) =>
            many.InnerExceptions.Cast<OptionsValidationException>().ToList(),
        _ => [],
    };

    [LoggerMessage(EventId = 5, Level = LogLevel.Critical,
        Message = "Configuration is invalid, the API is stopping — fix these settings and start it again: {Failures}")]
    private static partial void LogInvalidConfiguration(ILogger logger, string failures);
}
