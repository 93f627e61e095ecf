using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Deploy;

/// <summary>
/// Bad input and broken hosts: each makes the deploy fail with one line that says what is wrong and what to do,
/// exits non-zero, and leaves the live version serving (no failed request) with its state untouched.
/// </summary>
[Collection(nameof(DeployScenarios))]
public sealed class DeployFaultTests(DeployEnvironment environment, ProductImage productImage, LiveTarget live)
    : IClassFixture<LiveTarget>
{
    public static TheoryData<string> Faults =>
    [
        "unknown tag", "wrong token", "missing env file", "unreadable env file", "env file without a database",
        "corrupt state file", "missing state file", "no Docker", "disk full", "misspelt setting", "invalid tag",
    ];

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_fault_fails_the_deploy_with_one_clear_line_and_the_live_version_untouched(string fault)
    {
        await DeployEnvironment.RequireOrSkip();
        var (stack, tags) = await live.GetAsync(environment, productImage);
        var tag = tags.Second;
        var environmentChanges = new Dictionary<string, string?>();
        string expected;
        Func<Task> restore = () => Task.CompletedTask;
        switch (fault)
        {
            case "unknown tag":
                tag = $"no-such-tag-{Guid.NewGuid():N}";
                expected = $"the registry has no image {environment.Registry.Repository}:{tag}: check the tag";
                break;
            case "wrong token":
                environmentChanges["GHCR_PAT"] = "not-the-token";
                expected = $"the registry {environment.Registry.Address} refused the login of "
                    + $"{environment.Registry.UserName}: check GHCR_USERNAME and GHCR_PAT";
                break;
            case "missing env file":
                environmentChanges["EC2_DEPLOY_ENV"] =
                    await Variant(stack, "INVENTORY_ENV_FILE", "/nonexistent/inventory.env");
                expected = "the app env file /nonexistent/inventory.env does not exist";
                break;
            case "unreadable env file":
                var rootOnly = Path.Combine(stack.ConfigDirectory, "root-only.env");
                await Privileged.WriteFileAsync(
                    rootOnly, await stack.ReadConfigFileAsync("inventory.env"), "root", "600");
                environmentChanges["EC2_DEPLOY_ENV"] = await Variant(stack, "INVENTORY_ENV_FILE", rootOnly);
                expected = $"the app env file {rootOnly} is not readable by {environment.Host.UserName}";
                break;
            case "env file without a database":
                var noDatabase = Path.Combine(stack.ConfigDirectory, "no-database.env");
                await Privileged.WriteFileAsync(
                    noDatabase, "Auth__ApiKeys__0__Name=x\n", environment.Host.UserName, "600");
                environmentChanges["EC2_DEPLOY_ENV"] = await Variant(stack, "INVENTORY_ENV_FILE", noDatabase);
                expected = "has no ConnectionStrings__inventorydb=… line";
                break;
            case "corrupt state file":
                await stack.WriteStateFileAsync(".last_good_tag", "<<<<<<< HEAD\n" + tags.First + "\n");
                restore = () => stack.WriteStateFileAsync(".last_good_tag", tags.First + "\n");
                expected = "/.last_good_tag is corrupt";
                break;
            case "missing state file":
                await stack.DeleteStateFileAsync(".last_good_tag");
                restore = () => stack.WriteStateFileAsync(".last_good_tag", tags.First + "\n");
                expected = $"/.last_good_tag is missing, but the proxy serves {tags.First}";
                break;
            case "no Docker":
                environmentChanges["EC2_DEPLOY_ENV"] =
                    await Variant(stack, "DOCKER_HOST", "unix:///nonexistent/docker.sock");
                expected = "cannot reach the Docker engine at unix:///nonexistent/docker.sock";
                break;
            case "disk full":
                environmentChanges["EC2_DEPLOY_ENV"] = await Variant(stack, "MIN_FREE_DISK_MB", "999999999");
                expected = "MB free on the disk of";
                break;
            case "misspelt setting":
                environmentChanges["EC2_DEPLOY_ENV"] =
                    await stack.WriteDeployEnvVariantAsync(new Dictionary<string, string>(), "HEALTH_TIMOUT=5");
                expected = "sets HEALTH_TIMOUT, which is not a setting (typo?)";
                break;
            default:
                tag = "../../etc/passwd";
                expected = "is not an image tag";
                break;
        }

        DeployRun run;
        ClientLoopResult loop;
        try
        {
            (run, loop) = await Users.WhileUsersCallAsync(stack, () => stack.DeployAsync(tag, environmentChanges));
        }
        finally
        {
            await restore();
        }

        Assert.NotEqual(0, run.ExitCode);
        if (fault == "invalid tag")
        {
            // Refused on the runner, before anything connects.
            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"remote.sh: error: '{tag}' {expected}", run.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("copying deploy/", run.Output, StringComparison.Ordinal);
            var onHost = await environment.Host.RunAsync($"~/inventory-deploy/deploy.sh '{tag}'");
            Assert.Equal(2, onHost.ExitCode);
            Assert.Contains($"deploy: error: '{tag}' {expected}", onHost.Output, StringComparison.Ordinal);
        }
        else
        {
            Users.AssertFailedWith(run, expected);
            Assert.DoesNotContain('\n', run.ErrorLine!.Trim());
        }
        Assert.Equal([tags.First], loop.VersionsInOrder);
        await LiveTarget.AssertUntouchedAsync(stack, tags);
    }

    [Fact]
    public async Task A_public_port_already_in_use_fails_before_anything_starts()
    {
        await DeployEnvironment.RequireOrSkip();
        var (stack, tags) = await live.GetAsync(environment, productImage);
        // A second stack misconfigured with the first one's port: its proxy cannot take it.
        await using var clash = await environment.CreateTargetAsync(withProxy: false, port: stack.Port);

        var (run, loop) = await Users.WhileUsersCallAsync(stack, () => clash.DeployAsync(tags.Second));

        Users.AssertFailedWith(
            run,
            $"port 127.0.0.1:{stack.Port} is in use by another program or container: "
                + "free it, or set INVENTORY_HTTP_PORT");
        Assert.Empty(await clash.AppContainersAsync());
        Assert.DoesNotContain(await clash.ContainersAsync(), c => c.Role == "proxy");
        await Users.AssertStateAsync(clash, null, null);
        Assert.Equal([tags.First], loop.VersionsInOrder);
        await LiveTarget.AssertUntouchedAsync(stack, tags);
    }

    private static Task<string> Variant(DeployTarget stack, string key, string value) =>
        stack.WriteDeployEnvVariantAsync(new Dictionary<string, string> { [key] = value });
}
