using System.Security.Cryptography;
using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Deploy;

/// <summary>
/// Deploy by digest through deploy/remote.sh, as the workflows run it (<c>TAG@sha256:…</c>), with a real registry
/// while users call the public port: what is recorded, what a tag pushed again can no longer change, and the
/// references the host refuses.
/// </summary>
[Collection(nameof(DeployScenarios))]
public sealed class DigestDeployTests(DeployEnvironment environment, ProductImage productImage)
{
    [Fact]
    public async Task A_deploy_by_digest_is_recorded_with_it_and_a_tag_pushed_again_cannot_change_what_a_rollback_runs()
    {
        var (target, tags) = await environment.NewTargetAsync(
            productImage, settings: new Dictionary<string, string> { ["INVENTORY_KEEP"] = "2" });
        await using var stack = target;
        var registry = environment.Registry;
        var first = await productImage.GetAsync();
        // A tag of this test's own (the first build's version, which its /version reports), so that pushing it
        // again changes nothing another test deploys.
        var tag = first.Version;
        await registry.PushAsync(first.Tag, tag);
        var digest = await registry.DigestAsync(tag);

        var (deployed, _) = await Users.WhileUsersCallAsync(
            stack, () => stack.DeployAsync($"{tag}@{digest}"), liveBefore: false);
        environment.Measure("deploy by digest", deployed, null);

        Users.AssertSucceeded(deployed);
        Assert.Contains($"{tag} by digest: {digest}", deployed.Output, StringComparison.Ordinal);
        Assert.Contains($"health gate: the candidate's image is {digest}", deployed.Output, StringComparison.Ordinal);
        Assert.Contains($"| digest | `{digest}` |", deployed.Summary, StringComparison.Ordinal);
        await Users.AssertLiveAsync(stack, tags.First);
        await Users.AssertStateAsync(stack, tag, null);
        Assert.Equal($"{tag}@{digest}", await StateFileAsync(stack, ".last_good_ref"));
        Assert.Contains(await stack.AuditLogAsync(), line =>
            line.Contains($" action=deploy step=record-state from=- to={tag} result=ok ", StringComparison.Ordinal)
            && line.EndsWith($" digest={digest}", StringComparison.Ordinal));
        Assert.Contains($"{registry.Repository}@{digest}", await LiveImageDigestsAsync(stack, tag),
            StringComparison.Ordinal);

        // Two more deploys by digest: with INVENTORY_KEEP=2 the first release's container and image are pruned.
        var second = await registry.DigestAsync(tags.Second);
        var third = await registry.DigestAsync(tags.Third);
        Users.AssertSucceeded(await stack.DeployAsync($"{tags.Second}@{second}"));
        Users.AssertSucceeded(await stack.DeployAsync($"{tags.Third}@{third}"));
        Assert.Empty(await Users.ContainersOfAsync(stack, tag));
        await DockerCli.RemoveQuietlyAsync("image", $"{registry.Repository}:{tag}");
        Assert.Equal($"{tags.Second}@{second}", await StateFileAsync(stack, ".prev_good_ref"));

        // The tag is pushed again, with another image (same /version, so only the digest tells them apart).
        var other = DockerCli.UniqueName("re-pushed") + ":image";
        try
        {
            var build = await ProcessRunner.RunAsync("docker", ["build", "--quiet", "--tag", other, "-"],
                standardInput: $"FROM {first.Tag}\nLABEL org.inventory.test=re-pushed\n",
                timeout: TimeSpan.FromMinutes(2), cancellationToken: TestContext.Current.CancellationToken);
            build.EnsureSuccess("docker build of the re-pushed image");
            await registry.PushAsync(other, tag);
        }
        finally
        {
            await DockerCli.RemoveQuietlyAsync("image", other);
        }
        var repushed = await registry.DigestAsync(tag);
        Assert.NotEqual(digest, repushed);

        // The operator's list shows the recorded digest, not the registry's new one.
        var list = await environment.Host.RunAsync(
            $"INVENTORY_DEPLOY_ENV={stack.DeployEnvPath} ~/inventory-deploy/rollback.sh --list");
        Assert.True(list.Succeeded, list.Output);
        Assert.Contains(list.StandardOutput.Split('\n'), row => row.StartsWith(tag + " ", StringComparison.Ordinal)
            && row.Contains($" {digest} ", StringComparison.Ordinal));

        // A rollback to the tag runs the digest recorded when it was live, pulled again by digest.
        var (rolledBack, _) = await Users.WhileUsersCallAsync(stack, () => stack.RollbackAsync(tag));
        environment.Measure("rollback to a tag pushed again", rolledBack, null);

        Users.AssertSucceeded(rolledBack);
        Assert.Contains($"{tag} by the digest recorded when it was live: {digest}", rolledBack.Output,
            StringComparison.Ordinal);
        Assert.DoesNotContain(repushed, rolledBack.Output, StringComparison.Ordinal);
        await Users.AssertLiveAsync(stack, tags.First);
        var live = await LiveImageDigestsAsync(stack, tag);
        Assert.Contains($"@{digest}", live, StringComparison.Ordinal);
        Assert.DoesNotContain($"@{repushed}", live, StringComparison.Ordinal);
        Assert.Equal($"{tag}@{digest}", await StateFileAsync(stack, ".last_good_ref"));
        Assert.Equal($"{tags.Third}@{third}", await StateFileAsync(stack, ".prev_good_ref"));
    }

    [Fact]
    public async Task A_digest_not_of_the_tag_or_not_in_the_registry_fails_and_a_malformed_reference_is_refused()
    {
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 1);
        await using var stack = target;
        var first = await environment.Registry.DigestAsync(tags.First);
        var second = await environment.Registry.DigestAsync(tags.Second);
        // Deployed by its plain tag: the digest the registry served is recorded all the same.
        Assert.Equal($"{tags.First}@{first}", await StateFileAsync(stack, ".last_good_ref"));

        // The first build's digest under the second's tag: its /version names another commit.
        var (mismatch, mismatchLoop) = await Users.WhileUsersCallAsync(
            stack, () => stack.DeployAsync($"{tags.Second}@{first}"));
        Users.AssertFailedWith(mismatch, $"{tags.Second} did not pass the health gate");
        Assert.Contains($"not {tags.Second}: the image under this tag is not the build it names", mismatch.ErrorLine,
            StringComparison.Ordinal);
        Assert.Equal([tags.First], mismatchLoop.VersionsInOrder);
        await LiveTarget.AssertUntouchedAsync(stack, tags);

        var unknown = "sha256:" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var (missing, missingLoop) = await Users.WhileUsersCallAsync(
            stack, () => stack.DeployAsync($"{tags.Second}@{unknown}"));
        Users.AssertFailedWith(missing, $"the registry has no image {environment.Registry.Repository}@{unknown}");
        Assert.Equal([tags.First], missingLoop.VersionsInOrder);
        await LiveTarget.AssertUntouchedAsync(stack, tags);
        Assert.Equal($"{tags.First}@{first}", await StateFileAsync(stack, ".last_good_ref"));

        // Malformed: refused with the usage before anything connects (remote.sh) or changes (deploy.sh).
        var malformed = await stack.DeployAsync($"{tags.Second}@sha256:{second[7..^1]}");
        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains("Usage: deploy/remote.sh deploy TAG@sha256:DIGEST", malformed.Output, StringComparison.Ordinal);
        Assert.Contains("optionally pinned as TAG@sha256:<64", malformed.Output, StringComparison.Ordinal);
        var onHost = await environment.Host.RunAsync($"INVENTORY_DEPLOY_ENV={stack.DeployEnvPath} "
            + $"~/inventory-deploy/deploy.sh '{tags.Second}@{second.ToUpperInvariant()}'");
        Assert.Equal(2, onHost.ExitCode);
        Assert.Contains("Usage: deploy.sh", onHost.StandardError, StringComparison.Ordinal);
        Assert.Contains("is not TAG@sha256:<64 lower-case hex digits>", onHost.StandardError,
            StringComparison.Ordinal);
        await LiveTarget.AssertUntouchedAsync(stack, tags);

        // A plain tag still deploys, said to be unpinned, and its digest is recorded from then on.
        var (plain, _) = await Users.WhileUsersCallAsync(stack, () => stack.DeployAsync(tags.Second));
        Users.AssertSucceeded(plain);
        Assert.Contains($"{tags.Second} by tag, not pinned", plain.Output, StringComparison.Ordinal);
        Assert.Equal($"{tags.Second}@{second}", await StateFileAsync(stack, ".last_good_ref"));
        Assert.Equal($"{tags.First}@{first}", await StateFileAsync(stack, ".prev_good_ref"));
    }

    private static async Task<string?> StateFileAsync(DeployTarget stack, string name)
    {
        var path = Path.Combine(stack.StateDirectory, name);
        return File.Exists(path) ? (await File.ReadAllTextAsync(path)).Trim() : null;
    }

    /// <summary>
    /// The RepoDigests of the image the running container of <paramref name="tag"/> was started from.
    /// </summary>
    private static async Task<string> LiveImageDigestsAsync(DeployTarget stack, string tag)
    {
        var live = Assert.Single(await Users.ContainersOfAsync(stack, tag), c => c.State == "running");
        var image = await DockerCli.OutputAsync("inspect", "--format", "{{.Image}}", live.Name);
        return await DockerCli.OutputAsync("image", "inspect", "--format", "{{json .RepoDigests}}", image);
    }
}
