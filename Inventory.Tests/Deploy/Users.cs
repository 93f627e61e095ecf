using System.Net.Http.Json;
using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Deploy;

/// <summary>
/// What the deploy scenarios assert again and again: users see no failed request, the right version answers, the state
/// files say what they should.
/// </summary>
internal static class Users
{
    /// <summary>
    /// Runs <paramref name="operation"/> while a <see cref="ClientLoop"/> hits the public port, and asserts that not
    /// one request failed. With <paramref name="liveBefore"/> false (a first deploy: nothing serves yet) only
    /// requests started after the operation returned count, and there must be some.
    /// </summary>
    public static async Task<(DeployRun Run, ClientLoopResult Loop)> WhileUsersCallAsync(DeployTarget stack,
        Func<Task<DeployRun>> operation, bool liveBefore = true)
    {
        await using var loop = ClientLoop.Start(stack.PublicAddress);
        if (liveBefore)
        {
            await loop.WaitForFirstSuccessAsync(TimeSpan.FromSeconds(15));
        }
        var run = await operation();
        var done = loop.Elapsed;
        // More requests after the operation returned: the new state must hold, not just the moment of the switch.
        await Task.Delay(700);
        var result = await loop.StopAsync(done);
        TestContext.Current.TestOutputHelper?.WriteLine($"client loop: {result}");
        var failures = liveBefore ? result.Failures : result.FailuresAfterDone;
        Assert.True(failures.Count == 0,
            $"{failures.Count} of {result.Requests} requests failed while users called the public port:\n" +
            string.Join('\n', failures.Take(20)) + $"\nthe run's output:\n{run.Output}");
        Assert.True(result.RequestsAfterDone > 5,
            $"only {result.RequestsAfterDone} requests after the operation returned");
        if (liveBefore)
        {
            Assert.Equal(0, result.RequestsBeforeFirstSuccess);
        }
        return (run, result);
    }

    /// <summary>
    /// Users saw <paramref name="versions"/>[0] first and the last of them at the end — and, once the operation had
    /// returned, nothing else: the switch is complete when the deploy says so.
    /// </summary>
    public static void AssertSwitched(ClientLoopResult loop, params string[] versions)
    {
        var inOrder = loop.VersionsInOrder.ToList();
        Assert.Equal(versions[0], inOrder[0]);
        Assert.Equal([versions[^1]], loop.VersionsAfterDone);
        Assert.All(inOrder, v => Assert.Contains(v, versions));
        // In order: no version answered before the one deployed ahead of it had answered.
        var firstSeen = versions.Select(v => inOrder.IndexOf(v)).ToList();
        Assert.True(firstSeen.All(i => i >= 0) && firstSeen.SequenceEqual(firstSeen.Order()),
            $"versions first answered out of order: {loop}");
    }

    public static async Task AssertLiveAsync(DeployTarget stack, string tag) =>
        Assert.Equal(tag, await stack.LiveCommitAsync());

    public static async Task AssertStateAsync(DeployTarget stack, string? last, string? previous) =>
        Assert.Equal((last, previous), await stack.ReadStateAsync());

    public static void AssertSucceeded(DeployRun run) =>
        Assert.True(run.ExitCode == 0, $"deploy/remote.sh exited {run.ExitCode}:\n{run.Output}");

    /// <summary>Failed with the host's one-line error, which says <paramref name="expected"/>.</summary>
    public static void AssertFailedWith(DeployRun run, string expected)
    {
        Assert.True(run.ExitCode != 0, $"deploy/remote.sh succeeded but should have failed:\n{run.Output}");
        Assert.True(run.ErrorLine?.Contains(expected, StringComparison.Ordinal) == true,
            $"the error line should say '{expected}'; it is '{run.ErrorLine}'. Output:\n{run.Output}");
    }

    /// <summary>The stack's app containers of <paramref name="tag"/> (any state).</summary>
    public static async Task<IReadOnlyList<StackContainer>> ContainersOfAsync(DeployTarget stack, string tag) =>
        (await stack.AppContainersAsync()).Where(c => c.Tag == tag).ToList();

    /// <summary>An HTTP client on the public port with the Admin key bootstrap generated.</summary>
    public static async Task<HttpClient> AdminClientAsync(DeployTarget stack)
    {
        var client = new HttpClient { BaseAddress = stack.PublicAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", await stack.AdminApiKeyAsync());
        return client;
    }

    /// <summary>
    /// Creates an item through the proxy: proves the env file (key, database) and the migrations of the live version.
    /// </summary>
    public static async Task<string> CreateItemAsync(HttpClient admin)
    {
        var sku = $"DEPLOY-{Guid.NewGuid().ToString("N")[..8]}";
        using var response = await admin.PostAsJsonAsync("/api/items",
            new { sku, name = "Deploy test item", category = "Deploy", reorderPoint = 1 });
        Assert.True(response.StatusCode == HttpStatusCode.Created,
            $"POST /api/items answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return sku;
    }
}
