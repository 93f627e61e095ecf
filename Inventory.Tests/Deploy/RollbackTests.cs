using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Deploy;

/// <summary>
/// rollback.sh through deploy/remote.sh (the rollback workflow) and over SSH by hand (--list), while users call the
/// public port.
/// </summary>
[Collection(nameof(DeployScenarios))]
public sealed class RollbackTests(DeployEnvironment environment, ProductImage productImage)
{
    [Fact]
    public async Task Rollback_without_a_tag_brings_back_the_previous_version_and_swaps_the_state_files()
    {
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 2);
        await using var stack = target;

        var (run, loop) = await Users.WhileUsersCallAsync(stack, () => stack.RollbackAsync());
        environment.Measure("rollback to the previous version", run, loop);

        Users.AssertSucceeded(run);
        Assert.Contains("is on the host: no pull needed", run.Output, StringComparison.Ordinal);
        await Users.AssertLiveAsync(stack, tags.First);
        await Users.AssertStateAsync(stack, tags.First, tags.Second);
        Users.AssertSwitched(loop, tags.Second, tags.First);
        Assert.Contains("| outcome | ✅ rolled back", run.Summary, StringComparison.Ordinal);
        // Like every candidate, the rolled-back container believes nginx's X-Forwarded-For from the stack's network.
        var live = Assert.Single(await Users.ContainersOfAsync(stack, tags.First), c => c.State == "running");
        var subnet = await DockerCli.OutputAsync(
            "network", "inspect", "--format", "{{(index .IPAM.Config 0).Subnet}}", $"{stack.Name}-net");
        var liveEnvironment = await DockerCli.OutputAsync("inspect", "--format", "{{json .Config.Env}}", live.Name);
        Assert.Contains($"\"ForwardedHeaders__KnownNetworks__90={subnet}\"", liveEnvironment, StringComparison.Ordinal);

        // The operator's view, over SSH from the host's copy of deploy/.
        var list = await environment.Host.RunAsync(
            $"INVENTORY_DEPLOY_ENV={stack.DeployEnvPath} ~/inventory-deploy/rollback.sh --list");
        Assert.True(list.Succeeded, list.Output);
        var rows = list.StandardOutput.Split('\n');
        Assert.Contains(rows,
            r => r.StartsWith(tags.First, StringComparison.Ordinal) && r.Contains(" live ", StringComparison.Ordinal)
            && r.Contains("since 20", StringComparison.Ordinal) && r.EndsWith("on the host", StringComparison.Ordinal));
        Assert.Contains(rows,
            r => r.StartsWith(tags.Second, StringComparison.Ordinal)
            && r.Contains(" previous ", StringComparison.Ordinal)
            && r.EndsWith("on the host", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith(tags.Second, StringComparison.Ordinal)
            && r.Contains(" rolled back from ", StringComparison.Ordinal));
        // The second version was just rolled back from: without a tag there is nowhere else to go.
        Assert.Contains("nothing to roll back to without a TAG", list.StandardOutput, StringComparison.Ordinal);
        var again = await stack.RollbackAsync();
        Users.AssertFailedWith(again, "nothing to roll back to: every version that served before");
        await Users.AssertStateAsync(stack, tags.First, tags.Second);

        // A rollback of the rollback, by its tag: the same swap again.
        var (back, _) = await Users.WhileUsersCallAsync(stack, () => stack.RollbackAsync(tags.Second));
        Users.AssertSucceeded(back);
        await Users.AssertLiveAsync(stack, tags.Second);
        await Users.AssertStateAsync(stack, tags.Second, tags.First);
    }

    [Fact]
    public async Task Rollback_to_a_given_tag_pulls_it_again_once_pruned_and_prune_keeps_the_state_files_versions()
    {
        var (target, tags) = await environment.NewTargetAsync(
            productImage, deployed: 2, settings: new Dictionary<string, string> { ["INVENTORY_KEEP"] = "2" });
        await using var stack = target;
        var third = await stack.DeployAsync(tags.Third);
        Users.AssertSucceeded(third);

        // INVENTORY_KEEP=2: the live and the previous version (both in the state files) stay; the first goes.
        Assert.Contains($"pruned the container {stack.Name}-app-{tags.First[..12]}", third.Output,
            StringComparison.Ordinal);
        Assert.Empty(await Users.ContainersOfAsync(stack, tags.First));
        Assert.False((await DockerCli.RunAsync(["image", "inspect", $"{environment.Registry.Repository}:{tags.First}"],
            cancellationToken: TestContext.Current.CancellationToken)).Succeeded);
        Assert.Equal(["exited"], (await Users.ContainersOfAsync(stack, tags.Second)).Select(c => c.State));
        Assert.True((await DockerCli.RunAsync(["image", "inspect", $"{environment.Registry.Repository}:{tags.Second}"],
            cancellationToken: TestContext.Current.CancellationToken)).Succeeded);

        var (run, loop) = await Users.WhileUsersCallAsync(stack, () => stack.RollbackAsync(tags.First));
        environment.Measure("rollback to an explicit tag that had to be pulled again", run, loop);

        Users.AssertSucceeded(run);
        // Pulled again by the digest recorded when it was live (see "Decision: deploy by digest").
        var digest = await environment.Registry.DigestAsync(tags.First);
        Assert.Contains($"pulling {environment.Registry.Repository}@{digest}", run.Output, StringComparison.Ordinal);
        await Users.AssertLiveAsync(stack, tags.First);
        await Users.AssertStateAsync(stack, tags.First, tags.Third);
        Users.AssertSwitched(loop, tags.Third, tags.First);
    }

    [Fact]
    public async Task Rollback_with_nothing_to_go_back_to_refuses_and_changes_nothing()
    {
        var (target, tags) = await environment.NewTargetAsync(productImage);
        await using var stack = target;

        var empty = await stack.RollbackAsync();
        Users.AssertFailedWith(empty, "nothing to roll back to: no previous good version is recorded");
        await Users.AssertStateAsync(stack, null, null);
        Assert.Empty(await stack.AppContainersAsync());

        Users.AssertSucceeded(await stack.DeployAsync(tags.First));
        var (run, loop) = await Users.WhileUsersCallAsync(stack, () => stack.RollbackAsync());
        Users.AssertFailedWith(run, "nothing to roll back to");
        Assert.Contains("rollback.sh --list shows the versions that were live", run.ErrorLine,
            StringComparison.Ordinal);
        Assert.Equal([tags.First], loop.VersionsInOrder);
        await Users.AssertLiveAsync(stack, tags.First);
        await Users.AssertStateAsync(stack, tags.First, null);
        Assert.Contains("| outcome | ❌ failed", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_registry_down_a_deploy_changes_nothing_and_a_rollback_still_works()
    {
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 2);
        await using var stack = target;

        await environment.Registry.StopProcessAsync();
        try
        {
            var (deploy, deployLoop) = await Users.WhileUsersCallAsync(stack, () => stack.DeployAsync(tags.Third));
            environment.Measure("deploy with the registry down", deploy, deployLoop);
            Users.AssertFailedWith(deploy, $"cannot reach the registry {environment.Registry.Address}");
            Assert.Contains("nothing was changed", deploy.ErrorLine, StringComparison.Ordinal);
            Assert.Equal([tags.Second], deployLoop.VersionsInOrder);
            await Users.AssertStateAsync(stack, tags.Second, tags.First);
            Assert.Empty(await Users.ContainersOfAsync(stack, tags.Third));

            // The previous version's image is still on the host: rolling back needs no registry.
            var (rollback, rollbackLoop) = await Users.WhileUsersCallAsync(stack, () => stack.RollbackAsync());
            environment.Measure("rollback with the registry down", rollback, rollbackLoop);
            Users.AssertSucceeded(rollback);
            await Users.AssertLiveAsync(stack, tags.First);
            await Users.AssertStateAsync(stack, tags.First, tags.Second);
        }
        finally
        {
            await environment.Registry.StartProcessAsync();
        }
    }
}
