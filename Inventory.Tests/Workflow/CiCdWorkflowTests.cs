using Inventory.Tests.Infrastructure;

using YamlDotNet.RepresentationModel;

namespace Inventory.Tests.Workflow;

/// <summary>The structure of .github/workflows/ci-cd.yml: test → build-and-push → deploy-to-ec2.</summary>
public sealed class CiCdWorkflowTests
{
    private readonly WorkflowDocument _workflow = WorkflowDocument.Load(WorkflowDocument.CiCd);

    [Fact]
    public void Jobs_are_test_then_build_and_push_then_deploy_to_ec2()
    {
        Assert.Equal(["test", "build-and-push", "deploy-to-ec2"], _workflow.AllJobs().Select(j => j.Name));
        Assert.Null(_workflow.Job("test").Child("needs"));
        Assert.Equal(["test"], Needs(_workflow.Job("build-and-push")));
        Assert.Equal(["build-and-push"], Needs(_workflow.Job("deploy-to-ec2")));
    }

    [Fact]
    public void Tests_run_on_every_push_and_every_pull_request_of_any_branch()
    {
        var triggers = _workflow.Triggers;

        Assert.Equal(["pull_request", "push"], triggers.Keys.Order(StringComparer.Ordinal));
        // No branch or path filter: every push and every pull request is tested.
        Assert.All(triggers.Values, filter => Assert.True(filter is null or YamlScalarNode { Value: "" or null }));
    }

    // Run, not read: the stand-in fails, so the step must fail with it; a tag with a space and a glob must arrive
    // as one argument, as it would not if the line lost its quotes. The digest pins it (DigestWorkflowTests).
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public async Task Deploy_runs_the_runner_side_script_with_the_full_commit_sha_and_the_deploy_secrets(int exitCode)
    {
        var step = WorkflowDocument.StepRunning(_workflow.Job("deploy-to-ec2"), "deploy/remote.sh");
        using var script = new StepScript();
        script.AddArgumentEcho("deploy/remote.sh", exitCode);

        var (result, _) = await script.RunAsync(step,
            new Dictionary<string, string?> { ["DEPLOY_TAG"] = "a b*", ["DEPLOY_DIGEST"] = "sha256:c d" });

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Equal(["arg:deploy", "arg:a b*@sha256:c d"],
            result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var env = step.ScalarMap("env");
        Assert.Equal("${{ github.sha }}", env["DEPLOY_TAG"]);
        AssertRunnerSideScriptEnvironment(env);
    }

    [Fact]
    public void Image_goes_to_ghcr_as_latest_and_as_the_full_commit_sha_logged_in_with_the_job_token()
    {
        var build = _workflow.Job("build-and-push");

        var login = WorkflowDocument.StepUsing(build, "docker/login-action").ScalarMap("with");
        Assert.Equal("ghcr.io", login["registry"]);
        Assert.Equal("${{ secrets.GITHUB_TOKEN }}", login["password"]);

        var meta = WorkflowDocument.StepUsing(build, "docker/metadata-action");
        Assert.Equal("${{ steps.names.outputs.image }}", meta.Mapping("with").Scalar("images"));
        // latest only while this commit is the head of main (NewestWinsTests); the SHA tag always.
        Assert.Equal(
            ["type=raw,value=latest,enable=${{ steps.newest.outputs.head == 'true' }}", "type=sha,format=long,prefix="],
            meta.Mapping("with").Lines("tags"));
    }

    [Fact]
    public async Task Image_name_is_lower_cased_and_the_version_is_a_valid_assembly_version()
    {
        var step = Assert.Single(
            WorkflowDocument.Steps(_workflow.Job("build-and-push")), s => s.Scalar("id") == "names");
        using var script = new StepScript();

        var (result, outputs) = await script.RunAsync(step, new Dictionary<string, string?>
        {
            ["GITHUB_REPOSITORY"] = "Acme-Ops/Inventory.Portal",
            ["GITHUB_RUN_NUMBER"] = "4711",
        });

        result.EnsureSuccess("the image-name step");
        Assert.Equal("ghcr.io/acme-ops/inventory.portal", outputs["image"]);
        // MSBuild turns VERSION into the assembly version: numeric parts, each at most 65534.
        Assert.Matches(@"^\d{4}\.\d{1,2}\.\d{1,2}\.4711$", outputs["version"]);
        Assert.True(Version.TryParse(outputs["version"], out var version) && version.Major <= 65534);
    }

    [Fact]
    public void Build_uses_buildx_with_the_actions_cache_version_and_commit_and_attaches_provenance_and_an_sbom()
    {
        var build = _workflow.Job("build-and-push");
        var steps = WorkflowDocument.Steps(build);
        var buildx = WorkflowDocument.StepUsing(build, "docker/setup-buildx-action");
        var push = WorkflowDocument.StepUsing(build, "docker/build-push-action");
        Assert.True(IndexOf(steps, buildx) < IndexOf(steps, push), "buildx is set up before the build");

        var with = push.ScalarMap("with");
        Assert.Equal("build", push.Scalar("id"));
        Assert.Equal(".", with["context"]);
        Assert.Equal("Dockerfile", with["file"]);
        Assert.Equal("true", with["push"]);
        Assert.Equal("${{ steps.meta.outputs.tags }}", with["tags"]);
        Assert.Equal("type=gha", with["cache-from"]);
        Assert.Equal("type=gha,mode=max", with["cache-to"]);
        Assert.Equal("mode=max", with["provenance"]);
        Assert.Equal("true", with["sbom"]);
        Assert.Equal(["VERSION=${{ steps.names.outputs.version }}", "COMMIT=${{ github.sha }}"],
            push.Mapping("with").Lines("build-args"));
    }

    [Fact]
    public void Provenance_of_the_pushed_digest_is_signed_where_github_offers_it()
    {
        var build = _workflow.Job("build-and-push");
        var attest = WorkflowDocument.StepUsing(build, "actions/attest-build-provenance");

        Assert.Equal("github.event.repository.private == false", attest.Condition());
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["subject-name"] = "${{ steps.names.outputs.image }}",
                ["subject-digest"] = "${{ steps.build.outputs.digest }}",
                ["push-to-registry"] = "true",
            },
            attest.ScalarMap("with"));
        var steps = WorkflowDocument.Steps(build);
        Assert.True(
            IndexOf(steps, WorkflowDocument.StepUsing(build, "docker/build-push-action")) < IndexOf(steps, attest));
    }

    [Fact]
    public void Test_job_sets_up_dotnet_from_global_json_and_caches_nuget_packages()
    {
        var test = _workflow.Job("test");

        Assert.Equal("global.json",
            WorkflowDocument.StepUsing(test, "actions/setup-dotnet").ScalarMap("with")["global-json-file"]);
        var cache = WorkflowDocument.StepUsing(test, "actions/cache").ScalarMap("with");
        Assert.Equal("~/.nuget/packages", cache["path"]);
        Assert.Contains("hashFiles('global.json', 'Directory.Packages.props', '**/*.csproj')", cache["key"],
            StringComparison.Ordinal);
    }

    [Fact]
    public void Test_job_lints_like_the_local_ci_then_runs_the_readme_test_command_with_docker_required()
    {
        var test = _workflow.Job("test");
        var steps = WorkflowDocument.Steps(test);
        var packages = WorkflowDocument.StepRunning(test, ".ci/run packages");
        var lint = WorkflowDocument.StepRunning(test, ".ci/run lint");
        var run = WorkflowDocument.StepRunning(test, "dotnet test");

        Assert.Equal("sudo bash .ci/run packages", packages.Scalar("run")?.Trim());
        Assert.Equal("bash .ci/run lint", lint.Scalar("run")?.Trim());
        Assert.Equal("1", test.ScalarMap("env")["INVENTORY_REQUIRE_DOCKER"]);
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        Assert.Contains("```bash\ndotnet test\n```", readme, StringComparison.Ordinal);
        // The README's command, plus only where to put the reports and which: TRX and a Markdown summary.
        Assert.Equal(
            "dotnet test --results-directory \"$TEST_RESULTS\" -- --report-xunit-trx --report-xunit-markdown",
            run.Scalar("run")?.Trim());
        Assert.True(IndexOf(steps, packages) < IndexOf(steps, run) && IndexOf(steps, lint) < IndexOf(steps, run));
    }

    [Fact]
    public void Test_results_are_uploaded_and_summarised_even_when_tests_fail()
    {
        var test = _workflow.Job("test");
        var steps = WorkflowDocument.Steps(test);
        var run = WorkflowDocument.StepRunning(test, "dotnet test");
        var upload = WorkflowDocument.StepUsing(test, "actions/upload-artifact");
        var summary = WorkflowDocument.StepRunning(test, ".ci/test-summary.sh");

        Assert.Equal("${{ env.TEST_RESULTS }}", upload.ScalarMap("with")["path"]);
        Assert.Equal("bash .ci/test-summary.sh \"$TEST_RESULTS\"", summary.Scalar("run")?.Trim());
        Assert.All([upload, summary], step =>
        {
            Assert.Equal("!cancelled()", step.Condition());
            Assert.True(IndexOf(steps, run) < IndexOf(steps, step));
        });
    }

    [Fact]
    public async Task Test_summary_copies_the_markdown_report_and_says_so_when_the_run_left_none()
    {
        using var script = new StepScript();
        var results = Directory.CreateDirectory(Path.Combine(script.Workspace, "TestResults")).FullName;
        var summaryFile = Path.Combine(script.Workspace, "summary.md");
        var summariser = Path.Combine(RepositoryPaths.Root, ".ci", "test-summary.sh");
        var env = new Dictionary<string, string?> { ["GITHUB_STEP_SUMMARY"] = summaryFile };

        var empty = await ProcessRunner.RunAsync(
            "bash", [summariser, results], env, cancellationToken: TestContext.Current.CancellationToken);
        empty.EnsureSuccess("test-summary.sh without reports");
        Assert.Contains("No test report",
            await File.ReadAllTextAsync(summaryFile, TestContext.Current.CancellationToken), StringComparison.Ordinal);

        File.Delete(summaryFile);
        await File.WriteAllTextAsync(
            Path.Combine(results, "run.md"), "| Passed | 41 |\n| Failed | 1 |\n",
            TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(
            Path.Combine(results, "run.trx"), "<TestRun />", TestContext.Current.CancellationToken);
        var filled = await ProcessRunner.RunAsync(
            "bash", [summariser, results], env, cancellationToken: TestContext.Current.CancellationToken);
        filled.EnsureSuccess("test-summary.sh with reports");
        var summary = await File.ReadAllTextAsync(summaryFile, TestContext.Current.CancellationToken);
        Assert.Contains("| Failed | 1 |", summary, StringComparison.Ordinal);
        Assert.Contains("TRX: 1 file(s)", summary, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Needs(YamlMappingNode job) => job.Child("needs") switch
    {
        YamlScalarNode one => [one.Value!],
        YamlSequenceNode many => many.Children.Select(n => ((YamlScalarNode)n).Value!),
        _ => [],
    };

    private static int IndexOf(IReadOnlyList<YamlMappingNode> steps, YamlMappingNode step) =>
        steps.Select((s, i) => (s, i)).Single(p => ReferenceEquals(p.s, step)).i;

    /// <summary>
    /// The environment of deploy/remote.sh, as agreed with the deploy scripts (.github/workflows/README.md).
    /// </summary>
    internal static void AssertRunnerSideScriptEnvironment(IReadOnlyDictionary<string, string> env)
    {
        foreach (var secret in DeploySecrets)
        {
            Assert.Equal($"${{{{ secrets.{secret} }}}}", env[secret]);
        }
        Assert.Equal("${{ github.actor }}", env["GHCR_USERNAME"]);
        Assert.Equal("${{ vars.EC2_PORT || '22' }}", env["EC2_PORT"]);
    }

    internal static readonly string[] DeploySecrets =
        ["EC2_HOST", "EC2_USERNAME", "EC2_SSH_KEY", "EC2_HOST_KEY", "GHCR_PAT"];
}
