using Inventory.Api.Data;
using Npgsql;

namespace Inventory.Api.Portal;

/// <summary>
/// Holds one connection that LISTENs on <see cref="Channel"/>, where the users' table's trigger (migration
/// PortalSessionNotifications) sends the id of a user whose sessions must end, on this instance or any other: the
/// user's kept <see cref="SessionStamps"/> entry goes. Only while it listens does the session check keep stamps in
/// memory; a lost connection stops that until a new one listens. See "Decision: session stamps kept in memory, ended
/// by NOTIFY" in Inventory.Api/README.md.
/// </summary>
internal sealed partial class SessionStampListener(
    NpgsqlDataSource database,
    SessionStamps stamps,
    DatabaseReadiness readiness,
    TimeProvider time,
    ILogger<SessionStampListener> logger) : BackgroundService
{
    internal const string Channel = "portal_sessions";

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);
    // An idle connection is checked this often, so a dead one is noticed even when the socket is not closed.
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // The trigger is one of this build's migrations: before it exists, no change would be heard.
            await readiness.Migrated.WaitAsync(stoppingToken);
            var delay = FirstRetryDelay;
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await ListenAsync(() => delay = FirstRetryDelay, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogListenLost(logger, delay.TotalSeconds, DatabaseMigrator.Describe(ex));
                }
                finally
                {
                    stamps.StopListening();
                }
                await Task.Delay(delay, time, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: a wait cut short may surface as Npgsql's own exception, not only as a cancellation.
        }
    }

    private async Task ListenAsync(Action listening, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        connection.Notification += (_, e) => stamps.Forget(e.Payload);
        // Also the ping: LISTEN again is a no-op round trip, and pg_stat_activity keeps showing what this connection is.
        await using var listen = new NpgsqlCommand($"LISTEN {Channel}", connection);
        await listen.ExecuteNonQueryAsync(ct);
        stamps.StartListening();
        listening();
        LogListening(logger);
        while (true)
        {
            if (!await connection.WaitAsync(PingInterval, ct))
            {
                await listen.ExecuteNonQueryAsync(ct);
            }
        }
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Information,
        Message = "Listening for ended portal sessions: signed-in pages check users' stamps in memory.")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning,
        Message = "Lost the connection that hears ended portal sessions (next try in {DelaySeconds:0.##} s); until "
            + "it is back, every signed-in page reads the user's stamp from the database: {Reason}")]
    private static partial void LogListenLost(ILogger logger, double delaySeconds, string reason);
}
