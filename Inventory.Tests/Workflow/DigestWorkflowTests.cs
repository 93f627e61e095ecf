using Inventory.Tests.Infrastructure;

using YamlDotNet.RepresentationModel;

namespace Inventory.Tests.Workflow;

/// <summary>
/// Deploy by digest in the workflows: build-and-push outputs the digest it pushed, deploy-to-ec2 and the rollback
/// hand the host <c>TAG@sha256:…</c>, so a tag pushed again cannot change what runs.
/// </summary>
public sealed class DigestWorkflowTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string Commit = "3f786850e387550fdab836ed7e6dc881de23001b";

    private readonly WorkflowDocument _ciCd = WorkflowDocument.Load(WorkflowDocument.CiCd);
    private readonly WorkflowDocument _rollback = WorkflowDocument.Load(WorkflowDocument.Rollback);

    private YamlMappingNode RollbackJob => _rollback.Job("rollback");

    [Fact]
    public void Build_and_push_outputs_the_digest_the_build_step_pushed()
    {
        var build = _ciCd.Job("build-and-push");
        var step = WorkflowDocument.StepUsing(build, "docker/build-push-action");

        Assert.Equal("build", step.Scalar("id"));
        Assert.Equal("true", step.ScalarMap("with")["push"]);
        Assert.Equal("${{ steps.build.outputs.digest }}", build.ScalarMap("outputs")["digest"]);
    }

    [Fact]
    public async Task Deploy_passes_the_commit_pinned_to_the_digest_build_and_push_output()
    {
        var step = WorkflowDocument.StepRunning(_ciCd.Job("deploy-to-ec2"), "deploy/remote.sh");
        var env = step.ScalarMap("env");
        using var script = new StepScript();
        script.AddArgumentEcho("deploy/remote.sh");

        var (result, _) = await script.RunAsync(step,
            new Dictionary<string, string?> { ["DEPLOY_TAG"] = Commit, ["DEPLOY_DIGEST"] = Digest });

        result.EnsureSuccess("the deploy step");
        Assert.Equal(["arg:deploy", $"arg:{Commit}@{Digest}"],
            result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("${{ github.sha }}", env["DEPLOY_TAG"]);
        Assert.Equal("${{ needs.build-and-push.outputs.digest }}", env["DEPLOY_DIGEST"]);
    }

    [Fact]
    public void Rollback_checks_then_pins_then_hands_the_pinned_reference_to_the_host()
    {
        var steps = WorkflowDocument.Steps(RollbackJob).ToList();
        var check = WorkflowDocument.StepRunning(RollbackJob, "ROLLBACK_TAG\" =~");
        var login = WorkflowDocument.StepUsing(RollbackJob, "docker/login-action");
        var pin = PinStep;
        var rollback = WorkflowDocument.StepRunning(RollbackJob, "deploy/remote.sh");

        Assert.True(steps.IndexOf(check) < steps.IndexOf(login) && steps.IndexOf(login) < steps.IndexOf(pin)
            && steps.IndexOf(pin) < steps.IndexOf(rollback));
        // The job token only when a plain tag must be looked up; it may read packages, nothing more.
        Assert.Equal("inputs.tag != '' && !contains(inputs.tag, '@')", login.Condition());
        Assert.Equal("ghcr.io", login.ScalarMap("with")["registry"]);
        Assert.Equal("ref", pin.Scalar("id"));
        Assert.Equal("${{ inputs.tag }}", pin.ScalarMap("env")["ROLLBACK_TAG"]);
        Assert.Equal("${{ steps.ref.outputs.ref }}", rollback.ScalarMap("env")["ROLLBACK_TAG"]);
    }

    [Fact]
    public async Task A_plain_tag_is_pinned_to_the_digest_the_registry_holds_for_it()
    {
        using var script = new StepScript();
        var calls = StubDocker(
            script, $$"""{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"{{Digest}}"}""");

        var (result, outputs) = await RunPinAsync(script, Commit);

        result.EnsureSuccess("the pin step");
        Assert.Equal($"{Commit}@{Digest}", outputs["ref"]);
        Assert.Contains($"buildx imagetools inspect ghcr.io/owner/repo:{Commit}", await File.ReadAllTextAsync(
            calls, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(Commit + "@" + Digest)]
    public async Task No_tag_or_a_pinned_one_goes_to_the_host_as_given_without_asking_the_registry(string tag)
    {
        using var script = new StepScript();
        var calls = StubDocker(script, "{}");

        var (result, outputs) = await RunPinAsync(script, tag);

        result.EnsureSuccess("the pin step");
        Assert.Equal(tag, outputs["ref"]);
        Assert.False(File.Exists(calls), "the registry was asked although nothing needed pinning");
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"digest":"sha256:abc"}""")]
    public async Task A_tag_whose_digest_cannot_be_read_stops_the_rollback_before_it_connects(string answer)
    {
        using var script = new StepScript();
        StubDocker(script, answer);

        var (result, outputs) = await RunPinAsync(script, Commit);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("::error::cannot read the digest of ghcr.io/owner/repo:", result.Output,
            StringComparison.Ordinal);
        Assert.False(outputs.ContainsKey("ref"));
    }

    private YamlMappingNode PinStep => WorkflowDocument.StepRunning(RollbackJob, "imagetools inspect");

    private async Task<(ProcessResult Result, IReadOnlyDictionary<string, string> Outputs)> RunPinAsync(
        StepScript script, string tag) =>
        await script.RunAsync(PinStep, new Dictionary<string, string?>
        {
            ["ROLLBACK_TAG"] = tag,
            ["GITHUB_REPOSITORY"] = "Owner/Repo",
            ["PATH"] = $"{Path.Combine(script.Workspace, "bin")}:{Environment.GetEnvironmentVariable("PATH")}",
        });

    /// <summary>
    /// A <c>docker</c> first on the step's PATH that records its arguments and prints <paramref name="answer"/>,
    /// as <c>docker buildx imagetools inspect --format '{{json .Manifest}}'</c> does; returns the record's path.
    /// </summary>
    private static string StubDocker(StepScript script, string answer)
    {
        var bin = Path.Combine(script.Workspace, "bin");
        Directory.CreateDirectory(bin);
        var calls = Path.Combine(script.Workspace, "docker-calls");
        var path = Path.Combine(bin, "docker");
        File.WriteAllText(path, $"#!/usr/bin/env bash\necho \"$*\" >> '{calls}'\ncat <<'JSON'\n{answer}\nJSON\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return calls;
    }
}
