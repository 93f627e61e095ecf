using System.Diagnostics;
using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Deploy;

/// <summary>
/// The deploy's nginx in front of the app: it passes the real client address on (so the API throttles wrong keys per
/// client, not per proxy), finds a restarted app container at its new address, and sheds a flood of the public
/// <c>/health</c> before it reaches the app — while API clients with good keys see no failed request.
/// </summary>
[Collection(nameof(DeployScenarios))]
public sealed class ProxyTests(DeployEnvironment environment, ProductImage productImage)
{
    [Fact]
    public async Task Wrong_keys_from_one_client_are_throttled_by_its_own_address_not_the_proxys()
    {
        var (target, _) = await environment.NewTargetAsync(productImage, deployed: 1);
        await using var stack = target;
        var app = Assert.Single(await stack.AppContainersAsync()).Name;
        var proxyAddress = await AddressAsync(stack, $"{stack.Name}-proxy");

        // The guesser is a container on the stack's network: nginx sees its address, while the good client on the
        // public port comes from the host's. The API's limit is 10 wrong keys per address per minute.
        await using var guesser = await HelperContainer.StartAsync(stack, "guesser");
        using var good = ApiLoop.Start(stack);
        await good.WaitForFirstSuccessAsync();
        var statuses = await guesser.ExecAsync(
            $"for i in $(seq 1 14); do exec 3<>/dev/tcp/{stack.Name}-proxy/8080; "
            + "printf 'GET /api/items HTTP/1.0\\r\\nHost: inventory\\r\\n"
            + "X-Api-Key: wrong-key-%s\\r\\n\\r\\n' \"$i\" >&3; "
            + "read -r _ status _ <&3; echo \"$status\"; exec 3<&-; done");
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        var loop = await good.StopAsync();
        TestContext.Current.TestOutputHelper?.WriteLine($"guesser: {statuses.Replace('\n', ' ')}; good client: {loop}");

        var codes = statuses.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(14, codes.Length);
        Assert.All(codes.Take(10), code => Assert.Equal("401", code));
        Assert.All(codes.Skip(10), code => Assert.Equal("429", code));
        Assert.True(loop.Failures.Count == 0, $"the good client failed while another guessed keys: {loop}");
        Assert.True(loop.Requests > 10, $"the good client made only {loop.Requests} requests");
        // The API logged the guesser's own address, which it took from nginx's X-Forwarded-For.
        var logs = (await DockerCli.RunAsync(
            ["logs", app], cancellationToken: TestContext.Current.CancellationToken)).Output;
        Assert.Contains($"from {guesser.Address}", logs, StringComparison.Ordinal);
        Assert.DoesNotContain($"from {proxyAddress}", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_restarted_app_container_with_a_new_address_serves_again_without_a_deploy()
    {
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 1);
        await using var stack = target;
        var app = Assert.Single(await stack.AppContainersAsync()).Name;
        var before = await AddressAsync(stack, app);

        await DockerCli.OutputAsync("stop", app);
        // Another container takes the address the app had, so the app cannot get it back.
        await using var squatter = await HelperContainer.StartAsync(stack, "squatter");
        await DockerCli.OutputAsync("start", app);
        var after = await AddressAsync(stack, app);
        Assert.NotEqual(before, after);

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        await DeployTarget.WaitUntilAsync(() => AnswersAsync(client, new Uri($"http://{after}:8080/health")),
            TimeSpan.FromSeconds(60), "the restarted app to answer /health at its new address");
        var healthy = Stopwatch.StartNew();
        await DeployTarget.WaitUntilAsync(() => AnswersAsync(client, new Uri(stack.PublicAddress, "/version")),
            TimeSpan.FromSeconds(15), "the proxy to reach the restarted app at its new address");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"the proxy served again {healthy.Elapsed.TotalSeconds:0.0} s after the app at {after} was healthy");
        Assert.True(healthy.Elapsed < TimeSpan.FromSeconds(8), $"took {healthy.Elapsed.TotalSeconds:0.0} s");
        await Users.AssertLiveAsync(stack, tags.First);
    }

    [Fact]
    public async Task A_flood_of_the_public_health_is_refused_by_the_proxy_while_api_clients_are_served()
    {
        var (target, _) = await environment.NewTargetAsync(productImage, deployed: 1);
        await using var stack = target;
        using var good = ApiLoop.Start(stack);
        await good.WaitForFirstSuccessAsync();

        using var flood = new HttpClient { BaseAddress = stack.PublicAddress, Timeout = TimeSpan.FromSeconds(10) };
        var statuses = new List<(int Status, string? Type)>();
        for (var round = 0; round < 10; round++)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(async _ =>
            {
                using var response = await flood.GetAsync("/health", TestContext.Current.CancellationToken);
                return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType);
            }));
            statuses.AddRange(answers);
        }
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        var loop = await good.StopAsync();
        var summary = string.Join(", ",
            statuses.GroupBy(s => s).Select(g => $"{g.Key.Status} {g.Key.Type} x{g.Count()}"));
        TestContext.Current.TestOutputHelper?.WriteLine($"/health flood: {summary}; API client: {loop}");

        Assert.All(statuses, s => Assert.True(s.Status is 200 or 429, $"/health answered {s.Status}"));
        // nginx's own refusal (an HTML page), not the app's problem details: the flood never reached the app.
        Assert.Contains(statuses, s => s.Status == 429 && s.Type == "text/html");
        Assert.Contains(statuses, s => s.Status == 200);
        Assert.True(loop.Failures.Count == 0, $"the API client failed during the /health flood: {loop}");
        Assert.True(loop.Requests > 10, $"the API client made only {loop.Requests} requests");
        // The rate recovers: a monitor polling now and then is answered.
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        using var later = await flood.GetAsync("/health", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    private static Task<string> AddressAsync(DeployTarget stack, string container) =>
        DockerCli.OutputAsync("inspect", "--format",
            $"{{{{(index .NetworkSettings.Networks \"{stack.Name}-net\").IPAddress}}}}", container);

    private static async Task<bool> AnswersAsync(HttpClient client, Uri address)
    {
        try
        {
            using var response = await client.GetAsync(address);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// A container on the stack's network with the proxy's image (it has bash): another client address, or a
    /// holder of an address. Labelled with the stack, so the stack's clean-up removes it too.
    /// </summary>
    private sealed class HelperContainer : IAsyncDisposable
    {
        private HelperContainer(string name, string address)
        {
            Name = name;
            Address = address;
        }

        public string Name { get; }

        public string Address { get; }

        public static async Task<HelperContainer> StartAsync(DeployTarget stack, string purpose)
        {
            var image = await DockerCli.OutputAsync("inspect", "--format", "{{.Config.Image}}", $"{stack.Name}-proxy");
            var name = DockerCli.UniqueName(purpose);
            await DockerCli.OutputAsync("run", "--detach", "--name", name, "--network", $"{stack.Name}-net",
                "--label", $"org.inventory.stack={stack.Name}", "--entrypoint", "sleep", image, "300");
            return new HelperContainer(name, await AddressAsync(stack, name));
        }

        public Task<string> ExecAsync(string script) => DockerCli.OutputAsync("exec", Name, "bash", "-c", script);

        public async ValueTask DisposeAsync() => await DockerCli.RemoveQuietlyAsync("container", Name);
    }
}
