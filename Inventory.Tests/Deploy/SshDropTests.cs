using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Deploy;

/// <summary>
/// A deploy or rollback whose SSH connection drops half-way (a cancelled workflow, a lost network): the runner's ssh
/// client is killed the moment the host's run log shows a step, and the run goes on by itself on the host, detached
/// from the channel — the new version serves (or, when it fails its gate, the old one keeps serving), the state files
/// and deploy.log's outcome name what serves, one app container per kept release and no old one left running, and
/// not one user request fails. follow.sh on the host then tells how it ended.
/// </summary>
[Collection(nameof(DeployScenarios))]
public sealed class SshDropTests(DeployEnvironment environment, ProductImage productImage)
{
    /// <summary>deploy.log's length before the run under test: its lines are the ones after.</summary>
    private int _auditLinesBefore;

    public static TheoryData<string> Steps => ["pull", "health gate", "switch"];

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task A_deploy_whose_connection_drops_finishes_on_the_host(string step)
    {
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 1);
        await using var stack = target;
        string[] marker = step switch
        {
            "pull" => [$"deploy: pulling {environment.Registry.Repository}:{tags.Second}"],
            "health gate" => ["deploy: health gate: waiting up to ", $" and GET /version = {tags.Second}"],
            _ => ["deploy: switched ", $" to {tags.Second} ("],
        };

        var (dropped, loop) = await Users.WhileUsersCallAsync(
            stack, () => DropDuringAsync(stack, tags.Second, marker, () => stack.DeployAsync(tags.Second)));
        environment.Measure($"deploy whose SSH connection dropped at its {step}", dropped, loop);

        await AssertSwitchedOnTheHostAsync(stack, dropped, loop, "deploy", "deployed", tags.First, tags.Second);
    }

    [Fact]
    public async Task A_failing_deploy_whose_connection_drops_in_the_gate_leaves_the_old_version_serving()
    {
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 1);
        await using var stack = target;
        var quickGate = new Dictionary<string, string?>
        {
            ["EC2_DEPLOY_ENV"] = await stack.WriteDeployEnvVariantAsync(
                new Dictionary<string, string> { ["HEALTH_TIMEOUT"] = "12" }),
        };

        var (dropped, loop) = await Users.WhileUsersCallAsync(stack, () => DropDuringAsync(
            stack, tags.Unhealthy, ["deploy: health gate: waiting up to ", $" = {tags.Unhealthy}"],
            () => stack.DeployAsync(tags.Unhealthy, quickGate)));
        environment.Measure("failing deploy whose SSH connection dropped in its gate", dropped, loop);

        var outcome = await AssertDroppedThenFinishedAsync(stack, dropped, "deploy", tags.Unhealthy);
        Assert.Contains($"result=failed serving={tags.First} ", outcome, StringComparison.Ordinal);
        await Users.AssertLiveAsync(stack, tags.First);
        await Users.AssertStateAsync(stack, tags.First, null);
        Assert.Equal([tags.First], loop.VersionsInOrder);
        var app = Assert.Single(await stack.AppContainersAsync());
        Assert.Equal((tags.First, "running"), (app.Tag, app.State));
        await AssertFollowedAsync(stack, 1, $"outcome=failed tag={tags.Unhealthy} previous={tags.First} "
            + $"serving={tags.First} ");

        // With the connection intact, remote.sh prints the run's end and exits with the host's exit code.
        var failed = await stack.DeployAsync(tags.Crashing);
        Assert.Equal(1, failed.ExitCode);
        Assert.Matches(@"receive: the run \S+ ended with exit code 1; its log is \S+/runs/\S+\.log", failed.Output);
        Assert.Contains($"outcome=failed tag={tags.Crashing} previous={tags.First} serving={tags.First} ",
            failed.Output, StringComparison.Ordinal);
        Assert.Contains($"| serving now | `{tags.First}` |", failed.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("before the host said how the run ended", failed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rollback_whose_connection_drops_half_way_finishes_on_the_host()
    {
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 2);
        await using var stack = target;

        var (dropped, loop) = await Users.WhileUsersCallAsync(stack, () => DropDuringAsync(
            stack, tags.First, ["rollback: health gate: waiting up to ", $" = {tags.First}"],
            () => stack.RollbackAsync()));
        environment.Measure("rollback whose SSH connection dropped in its gate", dropped, loop);

        await AssertSwitchedOnTheHostAsync(stack, dropped, loop, "rollback", "rolled-back", tags.Second, tags.First);
    }

    /// <summary>
    /// The run cut off from its runner ended on the host as one that kept its connection would have: switched from
    /// <paramref name="from"/> to <paramref name="to"/>, which serves, with the state files, deploy.log's switch and
    /// outcome lines, the containers and follow.sh all saying so.
    /// </summary>
    private async Task AssertSwitchedOnTheHostAsync(DeployTarget stack, DeployRun dropped, ClientLoopResult loop,
        string action, string result, string from, string to)
    {
        var outcome = await AssertDroppedThenFinishedAsync(stack, dropped, action, to);
        Assert.Contains($"result={result} serving={to} ", outcome, StringComparison.Ordinal);
        await Users.AssertLiveAsync(stack, to);
        await Users.AssertStateAsync(stack, to, from);
        Users.AssertSwitched(loop, from, to);
        // One container of the old release, stopped; the new one runs (a rollback's target may also keep the stopped
        // container of its earlier time live, as prune keeps one per kept release).
        Assert.Single(await Users.ContainersOfAsync(stack, to), c => c.State == "running");
        Assert.Equal(["exited"], (await Users.ContainersOfAsync(stack, from)).Select(c => c.State));
        Assert.Equal([to], (await stack.AppContainersAsync()).Where(c => c.State == "running").Select(c => c.Tag));
        Assert.Contains((await stack.AuditLogAsync()).Skip(_auditLinesBefore), l => l.Contains(
            $"action={action} step=switch from={from} to={to} result=ok", StringComparison.Ordinal));
        await AssertFollowedAsync(stack, 0, $"outcome={result} tag={to} previous={from} serving={to} ");
    }

    /// <summary>
    /// Starts <paramref name="operation"/> (remote.sh), kills its ssh client as soon as the host's run log holds a
    /// line with every part of <paramref name="marker"/>, then waits for the run on the host to write its outcome
    /// for <paramref name="tag"/> in deploy.log: the returned run is remote.sh's, cut off.
    /// </summary>
    private async Task<DeployRun> DropDuringAsync(
        DeployTarget stack, string tag, string[] marker, Func<Task<DeployRun>> operation)
    {
        _auditLinesBefore = (await stack.AuditLogAsync()).Count;
        var running = operation();
        await DeployTarget.WaitUntilAsync(
            async () => running.IsCompleted || (await RunLogsAsync(stack)).Split('\n')
                .Any(line => marker.All(part => line.Contains(part, StringComparison.Ordinal))),
            TimeSpan.FromSeconds(120), $"the run log to show '{string.Join("…", marker)}'");
        Assert.False(running.IsCompleted, $"the run ended before its connection could be dropped:\n"
            + (running.IsCompleted ? running.Result.Output : ""));
        var killed = SshClients.Kill(stack.ConfigDirectory);
        Assert.True(killed == 1, $"expected to kill one ssh client of the run, killed {killed}");
        var run = await running;
        await DeployTarget.WaitUntilAsync(
            async () => (await stack.AuditLogAsync()).Skip(_auditLinesBefore).Any(l => IsOutcomeOf(l, tag)),
            TimeSpan.FromSeconds(180), $"the host's run to write its outcome for {tag}");
        return run;
    }

    private static bool IsOutcomeOf(string line, string tag) =>
        line.Contains(" step=outcome ", StringComparison.Ordinal)
        && line.Contains($" to={tag} ", StringComparison.Ordinal);

    /// <summary>
    /// remote.sh lost its connection before the run ended, said so and how to follow the run; deploy.log's lines of
    /// the run are complete (one outcome, the lock released). Returns the outcome line.
    /// </summary>
    private async Task<string> AssertDroppedThenFinishedAsync(
        DeployTarget stack, DeployRun dropped, string action, string tag)
    {
        Assert.NotEqual(0, dropped.ExitCode);
        Assert.Contains("before the host said how the run ended", dropped.Output, StringComparison.Ordinal);
        Assert.Contains("~/inventory-deploy/follow.sh ", dropped.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("result: action=", dropped.Output, StringComparison.Ordinal);
        var log = (await stack.AuditLogAsync()).Skip(_auditLinesBefore).ToList();
        var outcome = Assert.Single(log, l => l.Contains(" step=outcome ", StringComparison.Ordinal));
        Assert.True(IsOutcomeOf(outcome, tag), outcome);
        Assert.Contains($" action={action} ", outcome, StringComparison.Ordinal);
        Assert.Equal("", (await ProcessRunner.RunAsync(
            "cat", [Path.Combine(stack.StateDirectory, "deploy.lock")])).StandardOutput.Trim());
        return outcome;
    }

    /// <summary>follow.sh on the host, as an operator runs it after a disconnect: the newest run and its end.</summary>
    private async Task AssertFollowedAsync(DeployTarget stack, int exitCode, string result)
    {
        var follow = await environment.Host.RunAsync(
            $"INVENTORY_DEPLOY_ENV={stack.DeployEnvPath} ~/inventory-deploy/follow.sh");
        Assert.True(follow.ExitCode == exitCode, $"follow.sh exited {follow.ExitCode}:\n{follow.Output}");
        Assert.Contains(result, follow.Output, StringComparison.Ordinal);
        Assert.Matches($@"follow: the run \S+ ended with exit code {exitCode}; its log is "
            + $@"{System.Text.RegularExpressions.Regex.Escape(stack.StateDirectory)}/runs/\S+\.log", follow.Output);
    }

    /// <summary>Every run log of the stack (the runs folder is the deploy user's own).</summary>
    private static async Task<string> RunLogsAsync(DeployTarget stack) =>
        (await Privileged.RunAsync("find", [Path.Combine(stack.StateDirectory, "runs"), "-name", "*.log",
            "-exec", "cat", "{}", "+"])).StandardOutput;
}

/// <summary>The runner's ssh clients, found by their command lines in /proc.</summary>
internal static class SshClients
{
    /// <summary>
    /// Kills (SIGKILL) each ssh client whose remote command starts receive.sh for a stack configured under
    /// <paramref name="configDirectory"/>, as a cancelled job or a lost network ends it; returns how many.
    /// </summary>
    public static int Kill(string configDirectory)
    {
        var killed = 0;
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            string[] arguments;
            try
            {
                arguments = File.ReadAllText(Path.Combine(process, "cmdline")).Split('\0');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (Path.GetFileName(arguments[0]) == "ssh"
                && arguments.Any(a => a.Contains("receive.sh", StringComparison.Ordinal)
                    && a.Contains(configDirectory, StringComparison.Ordinal))
                && int.TryParse(Path.GetFileName(process), out var pid))
            {
                using var client = System.Diagnostics.Process.GetProcessById(pid);
                client.Kill();
                killed++;
            }
        }
        return killed;
    }
}
