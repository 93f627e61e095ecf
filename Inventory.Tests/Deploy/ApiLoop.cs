using System.Collections.Concurrent;
using System.Diagnostics;
using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Deploy;

/// <summary>
/// An API client with the right key calling <c>GET /api/items</c> on the public port in a loop, reusing its
/// connection: anything but a 200 is a failure.
/// </summary>
internal sealed class ApiLoop : IDisposable
{
    private readonly HttpClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string?> _answers = new();
    private readonly Task _loop;

    private ApiLoop(HttpClient client)
    {
        _client = client;
        _loop = Task.Run(RunAsync);
    }

    public static ApiLoop Start(DeployTarget stack) =>
        new(Users.AdminClientAsync(stack).GetAwaiter().GetResult());

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var response = await _client.GetAsync("/api/items", _stop.Token);
                _answers.Enqueue(response.StatusCode == HttpStatusCode.OK ? null
                    : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(_stop.Token)}");
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                _answers.Enqueue($"{ex.GetType().Name}: {ex.Message}");
            }
            await Task.Delay(20, CancellationToken.None);
        }
    }

    public async Task WaitForFirstSuccessAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (!_answers.Any(a => a is null))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(15), "GET /api/items never answered 200");
            await Task.Delay(20);
        }
    }

    public async Task<ApiLoopResult> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        return new ApiLoopResult(_answers.Count, _answers.Where(a => a is not null).Select(a => a!).ToList());
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Wait(TimeSpan.FromSeconds(15));
        _stop.Dispose();
        _client.Dispose();
    }
}

internal sealed record ApiLoopResult(int Requests, IReadOnlyList<string> Failures)
{
    public override string ToString() =>
        $"{Requests} requests, {Failures.Count} failed"
        + (Failures.Count > 0 ? ": " + string.Join("; ", Failures.Take(5)) : "");
}
