using Inventory.Tests.Infrastructure;

using YamlDotNet.RepresentationModel;

namespace Inventory.Tests.Workflow;

/// <summary>
/// Newest wins: a ci-cd run whose commit is no longer the head of main neither moves <c>:latest</c> back nor deploys
/// over the newer version (a deliberate older version goes through the rollback workflow). Each job checks out the
/// head of main beside its own commit and runs .github/head-of-main.sh; these tests run that step with bash against
/// a real git repository standing in for the head checkout.
/// </summary>
public sealed class NewestWinsTests
{
    private const string HeadCondition = "steps.newest.outputs.head == 'true'";

    private readonly WorkflowDocument _workflow = WorkflowDocument.Load(WorkflowDocument.CiCd);

    [Theory]
    [InlineData("build-and-push")]
    [InlineData("deploy-to-ec2")]
    public async Task A_commit_that_is_no_longer_the_head_of_main_is_reported_with_a_notice(string job)
    {
        using var script = new HeadOfMainStep(_workflow.Job(job));
        var stale = await script.CommitAsync();
        var head = await script.CommitAsync();

        var (result, outputs) = await script.RunAsync(stale);

        result.EnsureSuccess("the head-of-main step on a stale commit");
        Assert.Equal("false", outputs["head"]);
        Assert.Contains("::notice", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"{stale} is no longer the head of main ({head} is)", result.StandardOutput,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("build-and-push")]
    [InlineData("deploy-to-ec2")]
    public async Task The_head_commit_is_reported_as_the_head_without_a_notice(string job)
    {
        using var script = new HeadOfMainStep(_workflow.Job(job));
        await script.CommitAsync();
        var head = await script.CommitAsync();

        var (result, outputs) = await script.RunAsync(head);

        result.EnsureSuccess("the head-of-main step on the head commit");
        Assert.Equal("true", outputs["head"]);
        Assert.DoesNotContain("::notice", result.Output, StringComparison.Ordinal);
    }

    // A check that cannot read a commit must stop the job: neither deploy blindly nor skip silently.
    [Fact]
    public async Task The_check_fails_the_job_when_the_head_checkout_is_missing()
    {
        using var script = new HeadOfMainStep(_workflow.Job("deploy-to-ec2"));

        var (result, outputs) = await script.RunAsync(new string('a', 40));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("::error::", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("head", outputs.Keys);
    }

    [Fact]
    public void Deploy_runs_only_when_its_commit_is_the_head_and_the_check_comes_first()
    {
        var deploy = _workflow.Job("deploy-to-ec2");
        var steps = WorkflowDocument.Steps(deploy).ToList();
        var check = HeadOfMainStep.Check(deploy);
        var run = WorkflowDocument.StepRunning(deploy, "deploy/remote.sh");

        Assert.Equal(HeadCondition, run.Condition());
        Assert.True(steps.IndexOf(check) < steps.IndexOf(run));
        Assert.All(steps.Where(s => s != run && s != check), s => Assert.Null(s.Scalar("run")));
    }

    [Fact]
    public void Only_the_head_commit_is_tagged_latest_after_the_check()
    {
        var build = _workflow.Job("build-and-push");
        var steps = WorkflowDocument.Steps(build).ToList();
        var meta = WorkflowDocument.StepUsing(build, "docker/metadata-action");

        Assert.Contains($"type=raw,value=latest,enable=${{{{ {HeadCondition} }}}}", meta.Mapping("with").Lines("tags"));
        Assert.True(steps.IndexOf(HeadOfMainStep.Check(build)) < steps.IndexOf(meta));
    }

    // One build at a time, so that the head check and the push of :latest are never overtaken by an older run, and
    // none cancelled halfway (a cancelled push can leave tags without their provenance); deploys likewise.
    [Fact]
    public void Builds_take_turns_in_their_own_group_and_are_never_cancelled_halfway()
    {
        Assert.Equal(
            new Dictionary<string, string> { ["group"] = "build-and-push", ["cancel-in-progress"] = "false" },
            _workflow.Job("build-and-push").ScalarMap("concurrency"));
        Assert.Equal(
            new Dictionary<string, string> { ["group"] = "production-deploy", ["cancel-in-progress"] = "false" },
            _workflow.Job("deploy-to-ec2").ScalarMap("concurrency"));
    }

    /// <summary>
    /// The job's checkout of refs/heads/main and its head-of-main step, run in a workspace holding the real script
    /// and, where the checkout puts it, a git repository whose commits the test makes.
    /// </summary>
    private sealed class HeadOfMainStep : IDisposable
    {
        private const string Script = ".github/head-of-main.sh";
        private readonly StepScript _script = new();
        private readonly YamlMappingNode _step;
        private readonly string _headCheckout;
        private int _commits;

        public HeadOfMainStep(YamlMappingNode job)
        {
            _step = Check(job);
            var checkout = Assert.Single(WorkflowDocument.Steps(job),
                s => s.Scalar("uses")?.StartsWith("actions/checkout@", StringComparison.Ordinal) == true
                    && s.ScalarMap("with").GetValueOrDefault("ref") == "refs/heads/main");
            var path = checkout.ScalarMap("with")["path"];
            Assert.Contains($"{Script} {path} ", _step.Scalar("run"), StringComparison.Ordinal);
            _headCheckout = Path.Combine(_script.Workspace, path);

            var copy = Path.Combine(_script.Workspace, Script);
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(Path.Combine(RepositoryPaths.Root, Script), copy);
        }

        public static YamlMappingNode Check(YamlMappingNode job) =>
            Assert.Single(WorkflowDocument.Steps(job), s => s.Scalar("id") == "newest");

        /// <summary>A new commit on top of the head checkout; returns its SHA.</summary>
        public async Task<string> CommitAsync()
        {
            if (_commits++ == 0)
            {
                Directory.CreateDirectory(_headCheckout);
                await GitAsync("init", "--quiet");
            }
            await GitAsync("-c", "user.name=test", "-c", "user.email=test@example.com",
                "commit", "--quiet", "--allow-empty", "--no-gpg-sign", "-m", $"commit {_commits}");
            return (await GitAsync("rev-parse", "HEAD")).StandardOutput.Trim();
        }

        public Task<(ProcessResult Result, IReadOnlyDictionary<string, string> Outputs)> RunAsync(string sha) =>
            _script.RunAsync(_step, new Dictionary<string, string?> { ["GITHUB_SHA"] = sha });

        public void Dispose() => _script.Dispose();

        private async Task<ProcessResult> GitAsync(params string[] arguments)
        {
            var result = await ProcessRunner.RunAsync("git", ["-C", _headCheckout, .. arguments],
                cancellationToken: TestContext.Current.CancellationToken);
            result.EnsureSuccess($"git {string.Join(' ', arguments)}");
            return result;
        }
    }
}
