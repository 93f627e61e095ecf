using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Deploy;

/// <summary>
/// deploy/remote.sh → SSH → deploy.sh on a bootstrapped host, with a real registry and real containers, while users
/// call the public port: the first deploy, a second one, and what is left when a deploy is killed.
/// </summary>
[Collection(nameof(DeployScenarios))]
public sealed class DeployTests(DeployEnvironment environment, ProductImage productImage)
{
    private static readonly string[] DeploySteps =
        ["lock", "login", "pull", "migrate", "start-candidate", "health-gate", "switch", "record-state", "prune", "outcome"];

    [Fact]
    public async Task First_deploy_gates_the_new_version_switches_the_proxy_to_it_and_records_it()
    {
        var (target, tags) = await environment.NewTargetAsync(productImage);
        await using var stack = target;
        using (var probe = new HttpClient { BaseAddress = stack.PublicAddress })
        using (var before = await probe.GetAsync("/version", TestContext.Current.CancellationToken))
        {
            // bootstrap's proxy owns the port before anything is deployed.
            Assert.Equal(HttpStatusCode.BadGateway, before.StatusCode);
        }

        await using var watcher = CommandLineWatcher.Start(environment.Registry.Password);
        var (run, loop) = await Users.WhileUsersCallAsync(
            stack, () => stack.DeployAsync(tags.First), liveBefore: false);
        var (hits, samples) = await watcher.StopAsync();
        environment.Measure("first deploy", run, loop);

        Users.AssertSucceeded(run);
        await Users.AssertLiveAsync(stack, tags.First);
        await Users.AssertStateAsync(stack, tags.First, null);
        Assert.True(loop.RequestsBeforeFirstSuccess > 0,
            "the loop should have met the proxy's 502 before the first deploy");
        Assert.Equal([tags.First], loop.VersionsAfterDone);
        Assert.Contains("| outcome | ✅ deployed", run.Summary, StringComparison.Ordinal);
        Assert.Contains($"| tag | `{tags.First}` |", run.Summary, StringComparison.Ordinal);
        Assert.Contains("| previous tag | `-` |", run.Summary, StringComparison.Ordinal);

        var log = await stack.AuditLogAsync();
        foreach (var step in DeploySteps)
        {
            Assert.Contains(log, line => line.Contains(
                $" user={environment.Host.UserName} action=deploy step={step} from=- to={tags.First} result=",
                StringComparison.Ordinal));
        }
        Assert.Contains(log, line => line.Contains("step=outcome", StringComparison.Ordinal)
            && line.Contains("result=deployed", StringComparison.Ordinal));

        // The app runs hardened and is reached only through the proxy.
        var app = Assert.Single(await stack.AppContainersAsync());
        Assert.Equal("running", app.State);
        Assert.Equal("true [ALL] [no-new-privileges] 536870912 unless-stopped map[]",
            await DockerCli.OutputAsync("inspect", "--format",
            "{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}} {{.HostConfig.SecurityOpt}} {{.HostConfig.Memory}} "
                + "{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.PortBindings}}",
            app.Name));

        // The registry token: on no command line, in no output or log, and not left in a Docker config on the host.
        Assert.True(samples > 10, $"the command lines were read only {samples} times");
        Assert.Empty(hits);
        Assert.DoesNotContain(environment.Registry.Password, run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(log, line => line.Contains(environment.Registry.Password, StringComparison.Ordinal));
        var dockerConfig = await environment.Host.RunAsync("cat ~/.docker/config.json 2>/dev/null || true");
        Assert.DoesNotContain(environment.Registry.Address, dockerConfig.StandardOutput, StringComparison.Ordinal);

        // The env file reached the app: its database and the Admin key bootstrap generated work through the proxy.
        using var admin = await Users.AdminClientAsync(stack);
        await Users.CreateItemAsync(admin);

        // bootstrap again: keeps every secret and the database, and the live version goes on serving.
        var envFile = await stack.ReadConfigFileAsync("inventory.env");
        var database = await DockerCli.OutputAsync("inspect", "--format", "{{.Id}}", $"{stack.Name}-db");
        var again = await stack.BootstrapAsync("config,database,scripts,proxy");
        Assert.True(again.Succeeded, again.Output);
        Assert.Contains("keeping", again.Output, StringComparison.Ordinal);
        Assert.Equal(envFile, await stack.ReadConfigFileAsync("inventory.env"));
        Assert.Equal(database, await DockerCli.OutputAsync("inspect", "--format", "{{.Id}}", $"{stack.Name}-db"));
        await Users.AssertLiveAsync(stack, tags.First);
    }

    [Fact]
    public async Task Second_deploy_switches_with_no_failed_request_and_keeps_the_old_version_stopped_for_rollback()
    {
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 1);
        await using var stack = target;
        using var admin = await Users.AdminClientAsync(stack);
        var sku = await Users.CreateItemAsync(admin);

        var (run, loop) = await Users.WhileUsersCallAsync(stack, () => stack.DeployAsync(tags.Second));
        environment.Measure("second deploy", run, loop);

        Users.AssertSucceeded(run);
        await Users.AssertLiveAsync(stack, tags.Second);
        await Users.AssertStateAsync(stack, tags.Second, tags.First);
        // Once the deploy returned, only the new version answers.
        Users.AssertSwitched(loop, tags.First, tags.Second);
        Assert.Equal(["exited"], (await Users.ContainersOfAsync(stack, tags.First)).Select(c => c.State));
        Assert.Equal(["running"], (await Users.ContainersOfAsync(stack, tags.Second)).Select(c => c.State));
        Assert.Contains($"| previous tag | `{tags.First}` |", run.Summary, StringComparison.Ordinal);
        // The data written under the first version is there under the second.
        using var item = await admin.GetAsync($"/api/items/{sku}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, item.StatusCode);
    }

    [Fact]
    public async Task Two_deploys_at_once_run_one_after_the_other()
    {
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 1);
        await using var stack = target;

        DeployRun? first = null, second = null;
        var (_, loop) = await Users.WhileUsersCallAsync(stack, async () =>
        {
            var deployingSecond = stack.DeployAsync(tags.Second);
            await DeployTarget.WaitUntilAsync(
                async () => (await LockHolderAsync(stack)).Contains($"tag={tags.Second} ", StringComparison.Ordinal),
                TimeSpan.FromSeconds(60), "the first deploy to take the lock");
            var deployingThird = stack.DeployAsync(tags.Third);
            first = await deployingSecond;
            second = await deployingThird;
            return second;
        });
        environment.Measure("deploy while another deploy runs (the waiting one)", second!, loop);

        Users.AssertSucceeded(first!);
        Users.AssertSucceeded(second!);
        Assert.Contains($"waiting up to 300 s for the deploy lock, held by pid", second!.Output,
            StringComparison.Ordinal);
        Assert.Contains($"(deploy of {tags.Second} by {environment.Host.UserName}", second.Output,
            StringComparison.Ordinal);
        await Users.AssertLiveAsync(stack, tags.Third);
        await Users.AssertStateAsync(stack, tags.Third, tags.Second);
        Users.AssertSwitched(loop, tags.First, tags.Second, tags.Third);
        // Serialised: the waiting deploy took the lock only after the first one had finished.
        var log = (await stack.AuditLogAsync()).ToList();
        var firstDone = log.FindIndex(l => l.Contains($"to={tags.Second} result=deployed", StringComparison.Ordinal));
        var secondLocked = log.FindIndex(
            l => l.Contains($"step=lock from=- to={tags.Third} result=ok", StringComparison.Ordinal));
        Assert.True(firstDone >= 0 && secondLocked > firstDone, string.Join('\n', log));
    }

    [Fact]
    public async Task A_killed_deploy_leaves_a_lock_that_names_it_and_the_next_deploy_takes_it_over()
    {
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 1);
        await using var stack = target;
        var impatient = await stack.WriteDeployEnvVariantAsync(
            new Dictionary<string, string> { ["DEPLOY_LOCK_TIMEOUT"] = "2" });

        DeployRun? timedOut = null;
        var (next, loop) = await Users.WhileUsersCallAsync(stack, async () =>
        {
            // A deploy stuck in its health gate (the unhealthy image never answers 200) holds the lock…
            var stuck = stack.DeployAsync(tags.Unhealthy);
            await DeployTarget.WaitUntilAsync(
                async () => (await Users.ContainersOfAsync(stack, tags.Unhealthy)).Count == 1
                && (await LockHolderAsync(stack)).Contains($"tag={tags.Unhealthy} ", StringComparison.Ordinal),
                TimeSpan.FromSeconds(60), "the stuck deploy to start its candidate");

            // …a deploy that may wait only 2 s gives up, naming it…
            timedOut = await stack.DeployAsync(
                tags.Second, new Dictionary<string, string?> { ["EC2_DEPLOY_ENV"] = impatient });

            // …then the stuck deploy is killed outright (no trap runs), leaving its lock details and its candidate.
            var pgid = System.Text.RegularExpressions.Regex.Match(
                await LockHolderAsync(stack), @"pgid=(\d+)").Groups[1].Value;
            var kill = await environment.Host.RunAsync($"kill -KILL -- -{pgid}");
            Assert.True(kill.Succeeded, kill.Output);
            var killed = await stuck;
            Assert.NotEqual(0, killed.ExitCode);
            Assert.Contains($"tag={tags.Unhealthy} ", await LockHolderAsync(stack), StringComparison.Ordinal);

            return await stack.DeployAsync(tags.Second);
        });
        environment.Measure("deploy after a killed deploy", next, loop);

        Users.AssertFailedWith(timedOut!, "another deploy still holds the lock after 2 s: pid ");
        Assert.Contains($"(deploy of {tags.Unhealthy} by {environment.Host.UserName}", timedOut!.ErrorLine,
            StringComparison.Ordinal);
        Assert.Contains(", since 20", timedOut.ErrorLine, StringComparison.Ordinal);

        Users.AssertSucceeded(next);
        Assert.Contains("which ended without releasing it (killed?): taking it over", next.Output,
            StringComparison.Ordinal);
        Assert.Contains("a candidate an interrupted run left running", next.Output, StringComparison.Ordinal);
        Assert.Empty(await Users.ContainersOfAsync(stack, tags.Unhealthy));
        await Users.AssertLiveAsync(stack, tags.Second);
        await Users.AssertStateAsync(stack, tags.Second, tags.First);
        Users.AssertSwitched(loop, tags.First, tags.Second);
        Assert.Contains(await stack.AuditLogAsync(),
            l => l.Contains("step=lock", StringComparison.Ordinal)
            && l.Contains("result=took-over", StringComparison.Ordinal));
        Assert.Equal("", await LockHolderAsync(stack));
    }

    [Fact]
    public async Task An_interrupted_deploy_removes_its_candidate_and_releases_the_lock()
    {
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 1);
        await using var stack = target;

        var (interrupted, loop) = await Users.WhileUsersCallAsync(stack, async () =>
        {
            // A cancelled workflow: SSH goes away and the deploy gets a hang-up (here SIGTERM) mid-gate.
            var stuck = stack.DeployAsync(tags.Unhealthy);
            await DeployTarget.WaitUntilAsync(
                async () => (await Users.ContainersOfAsync(stack, tags.Unhealthy)).Count == 1
                && (await LockHolderAsync(stack)).Contains($"tag={tags.Unhealthy} ", StringComparison.Ordinal),
                TimeSpan.FromSeconds(60), "the deploy to start its candidate");
            var pgid = System.Text.RegularExpressions.Regex.Match(
                await LockHolderAsync(stack), @"pgid=(\d+)").Groups[1].Value;
            var terminate = await environment.Host.RunAsync($"kill -TERM -- -{pgid}");
            Assert.True(terminate.Succeeded, terminate.Output);
            return await stuck;
        });

        Assert.Equal(130, interrupted.ExitCode);
        Assert.Contains("deploy: removed the candidate", interrupted.Output, StringComparison.Ordinal);
        Assert.Empty(await Users.ContainersOfAsync(stack, tags.Unhealthy));
        Assert.Equal("", await LockHolderAsync(stack));
        Assert.Equal([tags.First], loop.VersionsInOrder);
        await Users.AssertStateAsync(stack, tags.First, null);
        Assert.Contains(await stack.AuditLogAsync(),
            l => l.Contains($"to={tags.Unhealthy} result=failed", StringComparison.Ordinal)
            && l.Contains("error=\"interrupted\"", StringComparison.Ordinal));
    }

    /// <summary>
    /// The lock file's holder details, read with cat: .NET emulates file sharing on Unix with flock(2), so opening
    /// the file from here would take a lock of its own and fail (or make a deploy wait) while one holds it.
    /// </summary>
    private static async Task<string> LockHolderAsync(DeployTarget stack) =>
        (await ProcessRunner.RunAsync(
            "cat", [Path.Combine(stack.StateDirectory, "deploy.lock")])).StandardOutput.Trim();
}
