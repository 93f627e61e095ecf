using Inventory.Tests.Infrastructure;

using YamlDotNet.RepresentationModel;

namespace Inventory.Tests.Workflow;

/// <summary>The rollback button: .github/workflows/rollback.yml.</summary>
public sealed class RollbackWorkflowTests
{
    private readonly WorkflowDocument _workflow = WorkflowDocument.Load(WorkflowDocument.Rollback);

    private YamlMappingNode RollbackJob => _workflow.Job("rollback");

    [Fact]
    public void Rollback_is_started_by_hand_with_an_optional_tag()
    {
        var trigger = Assert.Single(_workflow.Triggers);
        Assert.Equal("workflow_dispatch", trigger.Key);

        var inputs = ((YamlMappingNode)trigger.Value!).Mapping("inputs");
        var tag = inputs.Mapping("tag");
        Assert.Single(inputs.Children);
        Assert.Equal("false", tag.Scalar("required"));
        Assert.Equal("string", tag.Scalar("type"));
        Assert.Equal("", tag.Scalar("default"));
    }

    [Fact]
    public void Rollback_runs_from_main_in_production_in_the_deploy_concurrency_group()
    {
        Assert.Equal(["rollback"], _workflow.AllJobs().Select(j => j.Name));
        Assert.Equal("github.ref == 'refs/heads/main'", RollbackJob.Condition());
        Assert.Equal("production", RollbackJob.Scalar("environment"));
        Assert.Equal(
            new Dictionary<string, string> { ["group"] = "production-deploy", ["cancel-in-progress"] = "false" },
            RollbackJob.ScalarMap("concurrency"));
        // packages: read, to read a tag's digest from GHCR (DigestWorkflowTests).
        Assert.Equal(new Dictionary<string, string> { ["contents"] = "read", ["packages"] = "read" },
            RollbackJob.ScalarMap("permissions"));
    }

    [Fact]
    public void Rollback_runs_the_runner_side_script_with_the_deploy_secrets()
    {
        var step = WorkflowDocument.StepRunning(RollbackJob, "deploy/remote.sh");
        var env = step.ScalarMap("env");

        // The input, checked and pinned to its digest by the steps before (DigestWorkflowTests).
        Assert.Equal("${{ steps.ref.outputs.ref }}", env["ROLLBACK_TAG"]);
        CiCdWorkflowTests.AssertRunnerSideScriptEnvironment(env);
    }

    [Theory]
    [InlineData("3f786850e387550fdab836ed7e6dc881de23001b",
        new[] { "rollback", "3f786850e387550fdab836ed7e6dc881de23001b" })]
    [InlineData("", new[] { "rollback" })]
    public async Task Rollback_passes_the_tag_only_when_one_was_given(string tag, string[] expectedArguments)
    {
        var step = WorkflowDocument.StepRunning(RollbackJob, "deploy/remote.sh");
        using var script = new StepScript();
        script.AddArgumentEcho("deploy/remote.sh");

        var (result, _) = await script.RunAsync(step, new Dictionary<string, string?> { ["ROLLBACK_TAG"] = tag });

        result.EnsureSuccess("the rollback step");
        Assert.Equal(expectedArguments.Select(a => $"arg:{a}"),
            result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("")]
    [InlineData("3f786850e387550fdab836ed7e6dc881de23001b")]
    [InlineData("2026.11.29.42")]
    [InlineData("latest")]
    public async Task Tag_check_lets_image_tags_and_no_tag_through(string tag)
    {
        var result = await RunTagCheckAsync(tag);

        result.EnsureSuccess($"the tag check of '{tag}'");
    }

    [Theory]
    [InlineData("abc; rm -rf /")]
    [InlineData("$(id)")]
    [InlineData("two words")]
    [InlineData("--list")]
    [InlineData(".hidden")]
    [InlineData("line\nbreak")]
    public async Task Tag_check_refuses_what_is_not_an_image_tag_with_an_error_that_says_what_to_give(string tag)
    {
        var result = await RunTagCheckAsync(tag);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("::error::the tag is not an image tag", result.Output, StringComparison.Ordinal);
        Assert.Contains("give a full commit SHA", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tag_check_refuses_a_tag_longer_than_docker_allows()
    {
        var accepted = await RunTagCheckAsync(new string('a', 128));
        var refused = await RunTagCheckAsync(new string('a', 129));

        accepted.EnsureSuccess("the tag check of 128 characters");
        Assert.NotEqual(0, refused.ExitCode);
    }

    [Fact]
    public void Tag_check_runs_before_anything_connects()
    {
        var steps = WorkflowDocument.Steps(RollbackJob);
        var check = WorkflowDocument.StepRunning(RollbackJob, "ROLLBACK_TAG\" =~");
        var rollback = WorkflowDocument.StepRunning(RollbackJob, "deploy/remote.sh");

        Assert.True(steps.ToList().IndexOf(check) < steps.ToList().IndexOf(rollback));
        Assert.Equal("${{ inputs.tag }}", check.ScalarMap("env")["ROLLBACK_TAG"]);
    }

    private async Task<ProcessResult> RunTagCheckAsync(string tag)
    {
        var check = WorkflowDocument.StepRunning(RollbackJob, "ROLLBACK_TAG\" =~");
        using var script = new StepScript();
        return (await script.RunAsync(check, new Dictionary<string, string?> { ["ROLLBACK_TAG"] = tag })).Result;
    }
}
