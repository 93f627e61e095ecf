using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Deploy;

/// <summary>
/// The history deploy.log keeps and rollback.sh reads: where an argument-less rollback goes after a rollback, what
/// --list marks, what the recovery path records; and a crash between the proxy switch and the state files, which the
/// next deploy or rollback adopts.
/// </summary>
[Collection(nameof(DeployScenarios))]
public sealed class RollbackHistoryTests(DeployEnvironment environment, ProductImage productImage)
{
    [Fact]
    public async Task A_second_rollback_goes_further_back_never_to_the_version_rolled_back_from()
    {
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 3);
        await using var stack = target;
        Users.AssertSucceeded(await stack.RollbackAsync());
        await Users.AssertStateAsync(stack, tags.Second, tags.Third);

        // The workflow's button pressed again: the third version was just rejected, so the first one is next.
        var (run, loop) = await Users.WhileUsersCallAsync(stack, () => stack.RollbackAsync());
        environment.Measure("a second rollback without a tag", run, loop);

        Users.AssertSucceeded(run);
        await Users.AssertLiveAsync(stack, tags.First);
        await Users.AssertStateAsync(stack, tags.First, tags.Second);
        Users.AssertSwitched(loop, tags.Second, tags.First);

        // Both versions left by a rollback are now ruled out: a third press refuses and changes nothing.
        var third = await stack.RollbackAsync();
        Users.AssertFailedWith(third, "nothing to roll back to: every version that served before");
        Assert.Contains("rollback.sh TAG goes to one of them anyway", third.ErrorLine, StringComparison.Ordinal);
        await Users.AssertStateAsync(stack, tags.First, tags.Second);

        // The recovery path: the live container died, a release fails its gate, the last good one is started again;
        // deploy.log says the last good one was switched to, never the failed tag.
        var dead = Assert.Single(await stack.AppContainersAsync(), c => c.State == "running");
        await DockerCli.OutputAsync("stop", dead.Name);
        var failed = await stack.DeployAsync(tags.Crashing);
        Users.AssertFailedWith(failed, $"{tags.Crashing} did not pass the health gate");
        await Users.AssertLiveAsync(stack, tags.First);
        var log = await stack.AuditLogAsync();
        Assert.DoesNotContain(log, l => l.Contains("step=switch", StringComparison.Ordinal)
            && l.Contains($"to={tags.Crashing} result=ok", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains($"step=switch from={tags.First} to={tags.First} result=ok",
            StringComparison.Ordinal));

        var list = await environment.Host.RunAsync(
            $"INVENTORY_DEPLOY_ENV={stack.DeployEnvPath} ~/inventory-deploy/rollback.sh --list");
        Assert.True(list.Succeeded, list.Output);
        var rows = list.StandardOutput.Split('\n');
        Assert.Contains(rows, r => r.StartsWith(tags.First, StringComparison.Ordinal)
            && r.Contains(" live ", StringComparison.Ordinal) && !r.Contains("rolled back", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith(tags.Second, StringComparison.Ordinal)
            && r.Contains(" previous ", StringComparison.Ordinal)
            && r.Contains(" rolled back from ", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith(tags.Third, StringComparison.Ordinal)
            && r.Contains(" rolled back from ", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith(tags.Crashing, StringComparison.Ordinal)
            && r.Contains("(never live)", StringComparison.Ordinal)
            && r.Contains(" rejected ", StringComparison.Ordinal));
        Assert.Contains("nothing to roll back to without a TAG", list.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_crash_between_the_switch_and_the_state_files_is_adopted_by_the_next_deploy_and_rollback()
    {
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 2);
        await using var stack = target;
        // What a deploy of the second version leaves when the host dies after the proxy switch: the state files
        // still name the first version, and its container still runs.
        await SimulateCrashAfterSwitchAsync(stack, live: tags.First, previous: null);

        await AssertAdoptedThenSwitchedAsync(
            stack, "deploy", () => stack.DeployAsync(tags.Third), tags.First, tags.Second, tags.Third);

        // The same crash in the deploy of the third version, then the rollback button.
        await SimulateCrashAfterSwitchAsync(stack, live: tags.Second, previous: tags.First);
        await AssertAdoptedThenSwitchedAsync(
            stack, "rollback", () => stack.RollbackAsync(), tags.Second, tags.Third, tags.Second);
    }

    /// <summary>
    /// Runs the deploy or rollback while users call, and asserts that it adopted <paramref name="adopted"/> (which
    /// the state files named <paramref name="recorded"/> instead), then switched to <paramref name="live"/>.
    /// </summary>
    private async Task AssertAdoptedThenSwitchedAsync(DeployTarget stack, string action,
        Func<Task<DeployRun>> operation, string recorded, string adopted, string live)
    {
        var (run, loop) = await Users.WhileUsersCallAsync(stack, operation);
        environment.Measure($"{action} after a crash between switch and record", run, loop);

        Users.AssertSucceeded(run);
        Assert.Contains($"adopting {adopted} as live", run.Output, StringComparison.Ordinal);
        await Users.AssertLiveAsync(stack, live);
        await Users.AssertStateAsync(stack, live, adopted);
        Users.AssertSwitched(loop, adopted, live);
        // The container the crash left running beside the adopted version was stopped, not left behind.
        Assert.Equal([live], (await stack.AppContainersAsync()).Where(c => c.State == "running").Select(c => c.Tag));
        Assert.Contains(await stack.AuditLogAsync(), l => l.Contains(
            $"action={action} step=adopt from={recorded} to={adopted} result=ok", StringComparison.Ordinal));
    }

    /// <summary>
    /// The state files go back to what they said before the last switch, and the container the switch left stopped
    /// runs again, as both were when a crash hit between the switch and record_state.
    /// </summary>
    private static async Task SimulateCrashAfterSwitchAsync(DeployTarget stack, string live, string? previous)
    {
        await stack.WriteStateFileAsync(".last_good_tag", live + "\n");
        if (previous is null)
        {
            await stack.DeleteStateFileAsync(".prev_good_tag");
        }
        else
        {
            await stack.WriteStateFileAsync(".prev_good_tag", previous + "\n");
        }
        var old = (await Users.ContainersOfAsync(stack, live)).First(c => c.State == "exited");
        await DockerCli.OutputAsync("start", old.Name);
    }
}
