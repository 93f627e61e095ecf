using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Inventory.Tests.Infrastructure.SystemTests;

/// <summary>
/// Users hitting the public port while a deploy or rollback runs: two loops on <c>GET /version</c>, one reusing its
/// connection (as a browser or an API client does), one opening a new connection for every request, and a third
/// loading the portal's sign-in page (<see cref="PortalPage"/>) as a browser would. Any request that is not a 200 — an
/// error status, a reset, a timeout — is a failure. Also keeps the order in which versions
/// answered, so a switch that flip-flops shows.
/// </summary>
public sealed class ClientLoop : IAsyncDisposable
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(15);

    /// <summary>A portal page anyone may load: the portal is served through the same proxy switch as the API.</summary>
    public const string PortalPage = "/account/signin";

    private readonly Uri _version;
    private readonly Uri _portalPage;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ClientSample> _samples = new();
    private readonly Task[] _loops;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Action<SocketsHttpHandler>? _configure;

    private ClientLoop(Uri baseAddress, Action<SocketsHttpHandler>? configure)
    {
        _configure = configure;
        _version = new Uri(baseAddress, "/version");
        _portalPage = new Uri(baseAddress, PortalPage);
        _loops =
        [
            Task.Run(() => RunAsync(reuseConnections: true)),
            Task.Run(() => RunAsync(reuseConnections: false)),
            Task.Run(() => RunAsync(reuseConnections: true, _portalPage)),
        ];
    }

    /// <param name="configure">Adjusts each loop's handler, e.g. HTTPS trusting a test CA.</param>
    public static ClientLoop Start(Uri baseAddress, Action<SocketsHttpHandler>? configure = null) =>
        new(baseAddress, configure);

    /// <summary>Loads <paramref name="page"/> (default <c>/version</c>) again and again; only /version names a commit.</summary>
    private async Task RunAsync(bool reuseConnections, Uri? page = null)
    {
        using var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = reuseConnections ? Timeout.InfiniteTimeSpan : TimeSpan.Zero,
        };
        _configure?.Invoke(handler);
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        while (!_stop.IsCancellationRequested)
        {
            var at = _clock.Elapsed;
            try
            {
                using var response = await client.GetAsync(page ?? _version, _stop.Token);
                var body = await response.Content.ReadAsStringAsync(_stop.Token);
                _samples.Enqueue(response.StatusCode == HttpStatusCode.OK
                    ? new ClientSample(at, page is null ? VersionOf(body) : null, null)
                    : new ClientSample(at, null, $"{(int)response.StatusCode} {body[..Math.Min(body.Length, 80)]}"));
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                _samples.Enqueue(new ClientSample(at, null, $"{ex.GetType().Name}: {ex.Message}"));
            }
            try
            {
                await Task.Delay(Pause, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>The commit a <c>/version</c> body names: what the tests call the version that answered.</summary>
    internal static string? VersionOf(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("commit").GetString();
    }

    /// <summary>
    /// Waits until the public port has answered 200 at least once (for a loop started before the first deploy).
    /// </summary>
    public async Task WaitForFirstSuccessAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!_samples.Any(s => s.Failure is null))
        {
            Assert.True(deadline.Elapsed < timeout, $"{_version} never answered 200 within {timeout.TotalSeconds:0} s");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// How long the loops have run: mark a moment (e.g. "the deploy returned") to look at what came after.
    /// </summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>
    /// Stops the loops and returns what the users saw; <paramref name="done"/> marks when the operation under test
    /// returned.
    /// </summary>
    public async Task<ClientLoopResult> StopAsync(TimeSpan? done = null)
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        return new ClientLoopResult(_samples.OrderBy(s => s.At).ToList(), done ?? _clock.Elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_loops);
        }
        _stop.Dispose();
    }

}

/// <summary>
/// One request of a <see cref="ClientLoop"/>: when it started, the commit that answered, or why it failed.
/// </summary>
public sealed record ClientSample(TimeSpan At, string? Version, string? Failure);

/// <summary>
/// What the client loops saw: every request in the order they started, and <see cref="Done"/>, when the operation
/// under test returned. A graceful proxy reload lets the old worker finish the requests of its open keep-alive
/// connections while new connections already reach the new version, so around a switch the two versions may
/// alternate for a moment; after <see cref="Done"/> only the new one may answer.
/// </summary>
public sealed record ClientLoopResult(IReadOnlyList<ClientSample> Samples, TimeSpan Done)
{
    public int Requests => Samples.Count;

    public IReadOnlyList<string> Failures => Describe(Samples.Where(s => s.Failure is not null));

    /// <summary>Failures of requests that started after the operation returned.</summary>
    public IReadOnlyList<string> FailuresAfterDone =>
        Describe(Samples.Where(s => s.Failure is not null && s.At >= Done));

    public int RequestsAfterDone => Samples.Count(s => s.At >= Done);

    /// <summary>How many requests failed before the first 200 (a first deploy: nothing served yet).</summary>
    public int RequestsBeforeFirstSuccess => Samples.TakeWhile(s => s.Failure is not null).Count();

    /// <summary>
    /// The commits that answered, in order, repeats collapsed: a switch from A to B reads [A, B] (or A, B, A, B… for a
    /// moment).
    /// </summary>
    public IReadOnlyList<string> VersionsInOrder => Collapse(Samples);

    /// <summary>The commits that answered requests started after the operation returned.</summary>
    public IReadOnlyList<string> VersionsAfterDone => Collapse(Samples.Where(s => s.At >= Done));

    private static List<string> Collapse(IEnumerable<ClientSample> samples)
    {
        var versions = new List<string>();
        foreach (var sample in samples.Where(s => s.Version is not null))
        {
            if (versions.Count == 0 || versions[^1] != sample.Version)
            {
                versions.Add(sample.Version!);
            }
        }
        return versions;
    }

    private static List<string> Describe(IEnumerable<ClientSample> failures) =>
        failures.Select(s => $"{s.At.TotalSeconds:0.000} s: {s.Failure}").ToList();

    public override string ToString() =>
        $"{Requests} requests, {Failures.Count - RequestsBeforeFirstSuccess} failed" +
        (RequestsBeforeFirstSuccess > 0 ? $" ({RequestsBeforeFirstSuccess} more before anything was live)" : "") +
        $", versions {string.Join(" -> ", VersionsInOrder.Select(v => v[..Math.Min(v.Length, 12)]))}";
}
