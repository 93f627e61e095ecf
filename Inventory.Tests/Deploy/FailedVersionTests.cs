using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Deploy;

/// <summary>
/// A release that fails its health gate — never healthy, crashing at start, or not the build its tag names — is
/// rolled back by itself: the candidate's logs are shown, it is removed, the deploy exits non-zero, and the live
/// version serves throughout with its state unchanged.
/// </summary>
[Collection(nameof(DeployScenarios))]
public sealed class FailedVersionTests(DeployEnvironment environment, ProductImage productImage, LiveTarget live)
    : IClassFixture<LiveTarget>
{
    public static TheoryData<string> Failures => ["never becomes healthy", "crashes at start", "is mislabelled"];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_version_that_fails_the_gate_is_removed_and_the_live_version_keeps_serving(string failure)
    {
        await DeployEnvironment.RequireOrSkip();
        var (stack, tags) = await live.GetAsync(environment, productImage);
        var tag = failure switch
        {
            "never becomes healthy" => tags.Unhealthy,
            "crashes at start" => tags.Crashing,
            _ => tags.Mislabelled,
        };
        // The unhealthy one uses the whole HEALTH_TIMEOUT; 12 s is plenty to show it.
        var settings = failure == "never becomes healthy"
            ? new Dictionary<string, string?>
            {
                ["EC2_DEPLOY_ENV"] = await stack.WriteDeployEnvVariantAsync(
                    new Dictionary<string, string> { ["HEALTH_TIMEOUT"] = "12" }),
            }
            : null;

        var (run, loop) = await Users.WhileUsersCallAsync(stack, () => stack.DeployAsync(tag, settings));
        environment.Measure($"deploy of a version that {failure} (automatic rollback)", run, loop);

        Assert.Equal(1, run.ExitCode);
        Users.AssertFailedWith(run, $"{tag} did not pass the health gate");
        Assert.Contains($"{tags.First} still serves — the state files are unchanged", run.ErrorLine,
            StringComparison.Ordinal);
        var (because, logLine) = failure switch
        {
            "never becomes healthy" =>
                ("GET /health of the candidate answered 503 instead of 200 for 12 s", "Database not reachable yet"),
            "crashes at start" =>
                ("stopped at start-up with exit code 1", "Auth:ApiKeys:0:Role must be Reader, Operator or Admin"),
            _ => ($"/version says version 'build-", $"Now listening on: http://[::]:8080"),
        };
        Assert.Contains(because, run.Output, StringComparison.Ordinal);
        Assert.Contains("its last 200 log lines:", run.Output, StringComparison.Ordinal);
        // The candidate's own log, quoted line by line.
        Assert.Contains(run.Output.Split('\n'),
            line => line.StartsWith("  | ", StringComparison.Ordinal)
            && line.Contains(logLine, StringComparison.Ordinal));
        if (failure == "is mislabelled")
        {
            Assert.Contains($"commit '{tags.First}', not {tag}", run.Output, StringComparison.Ordinal);
        }

        Assert.Equal([tags.First], loop.VersionsInOrder);
        await LiveTarget.AssertUntouchedAsync(stack, tags);
        Assert.Contains("| outcome | ❌ failed", run.Summary, StringComparison.Ordinal);
        Assert.Contains($"{tags.First} still serves", run.Summary, StringComparison.Ordinal);
        Assert.Contains(await stack.AuditLogAsync(),
            l => l.Contains($"to={tag} result=failed", StringComparison.Ordinal)
            && l.Contains("step=outcome", StringComparison.Ordinal) && l.Contains("error=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task When_nothing_serves_after_a_failed_gate_the_last_good_version_is_started_again()
    {
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 1);
        await using var stack = target;
        // The live version dies (a crash, an OOM kill) before the next deploy, which then fails its gate.
        var dead = Assert.Single(await stack.AppContainersAsync());
        await DockerCli.OutputAsync("stop", dead.Name);

        var run = await stack.DeployAsync(tags.Crashing);

        Users.AssertFailedWith(run, $"{tags.Crashing} did not pass the health gate");
        Assert.Contains(
            $"nothing healthy serves {stack.PublicAddress.ToString().TrimEnd('/')}: "
                + $"starting the last good version {tags.First} again",
            run.Output, StringComparison.Ordinal);
        Assert.Contains($"{dead.Name}, is kept for its logs", run.Output, StringComparison.Ordinal);
        await Users.AssertLiveAsync(stack, tags.First);
        await Users.AssertStateAsync(stack, tags.First, null);
        var running = (await stack.AppContainersAsync()).Where(c => c.State == "running").ToList();
        Assert.Equal([tags.First], running.Select(c => c.Tag));
        Assert.NotEqual(dead.Name, running[0].Name);
        Assert.Contains(await stack.AuditLogAsync(),
            l => l.Contains("step=recover", StringComparison.Ordinal)
            && l.Contains("result=ok", StringComparison.Ordinal));
    }
}
