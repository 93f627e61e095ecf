namespace Inventory.Tests.Deploy;

/// <summary>
/// Samples every process's command line (<c>/proc/*/cmdline</c>, readable by anyone) while it runs, and keeps the
/// ones that contain the secret: a token on a command line is visible to every user of the machine.
/// </summary>
internal sealed class CommandLineWatcher : IAsyncDisposable
{
    private readonly string _secret;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _hits = [];
    private readonly Task _sampling;
    private int _samples;

    private CommandLineWatcher(string secret)
    {
        _secret = secret;
        _sampling = Task.Run(SampleAsync);
    }

    public static CommandLineWatcher Start(string secret) => new(secret);

    private async Task SampleAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            foreach (var process in Directory.EnumerateDirectories("/proc"))
            {
                string commandLine;
                try
                {
                    commandLine = (await File.ReadAllTextAsync(Path.Combine(process, "cmdline"))).Replace('\0', ' ');
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    continue;
                }
                if (commandLine.Contains(_secret, StringComparison.Ordinal))
                {
                    lock (_hits)
                    {
                        _hits.Add(commandLine);
                    }
                }
            }
            _samples++;
            try
            {
                await Task.Delay(20, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>
    /// Stops sampling; returns the command lines that held the secret and how many times all processes were read.
    /// </summary>
    public async Task<(IReadOnlyList<string> Hits, int Samples)> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        lock (_hits)
        {
            return (_hits.ToList(), _samples);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }
        _stop.Dispose();
    }
}
