using YamlDotNet.RepresentationModel;

namespace Inventory.Tests.Workflow;

/// <summary>
/// What must hold in every workflow of the repository: least privilege, no secrets for forks (pinned
/// actions: <see cref="PinnedActionTests"/>).
/// </summary>
public sealed class WorkflowSecurityTests
{
    // Created by GitHub for each run, scoped by the job's permissions; nobody configures it.
    private const string JobToken = "GITHUB_TOKEN";

    private readonly IReadOnlyList<WorkflowDocument> _workflows = WorkflowDocument.LoadAllWorkflows();

    private IEnumerable<YamlMappingNode> AllSteps =>
        _workflows.SelectMany(w => w.AllJobs()).SelectMany(j => WorkflowDocument.Steps(j.Job));

    [Fact]
    public void The_repository_has_the_ci_cd_and_the_rollback_workflow()
    {
        Assert.Equal([WorkflowDocument.CiCd, WorkflowDocument.Rollback],
            _workflows.Select(w => w.RelativePath).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_workflow_grants_only_read_access_to_the_contents_by_default()
    {
        Assert.All(_workflows, w => Assert.Equal(
            new Dictionary<string, string> { ["contents"] = "read" },
            w.Root.ScalarMap("permissions")));
    }

    [Fact]
    public void Every_job_states_its_permissions()
    {
        Assert.All(_workflows.SelectMany(w => w.AllJobs()),
            job => Assert.IsType<YamlMappingNode>(job.Job.Child("permissions")));
    }

    // pull_request runs of forks get no secrets and a read-only token; these triggers would run fork code with both.
    [Fact]
    public void No_workflow_runs_on_triggers_that_hand_secrets_to_pull_requests_from_forks()
    {
        Assert.All(_workflows, w =>
        {
            Assert.DoesNotContain("pull_request_target", w.Triggers.Keys);
            Assert.DoesNotContain("workflow_run", w.Triggers.Keys);
        });
    }

    [Fact]
    public void Secrets_reach_only_production_jobs_that_run_for_main()
    {
        var jobsWithSecrets = _workflows
            .SelectMany(w => w.AllJobs().Select(j => (Workflow: w.RelativePath, j.Name, j.Job)))
            .Where(j => WorkflowDocument.SecretsUsedIn(j.Job).Any(s => s != JobToken))
            .ToList();

        Assert.Equal(
            [(WorkflowDocument.CiCd, "deploy-to-ec2"), (WorkflowDocument.Rollback, "rollback")],
            jobsWithSecrets.Select(j => (j.Workflow, j.Name)));
        Assert.All(jobsWithSecrets, j =>
        {
            Assert.Equal("production", j.Job.Scalar("environment"));
            Assert.Contains("github.ref == 'refs/heads/main'", j.Job.Condition() ?? "", StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Every_checkout_leaves_no_token_in_the_git_config()
    {
        var checkouts = AllSteps
            .Where(s => s.Scalar("uses")?.StartsWith("actions/checkout@", StringComparison.Ordinal) == true)
            .ToList();

        // The job's own commit in each of the four jobs, and the head of main beside it in the two that publish.
        Assert.Equal(6, checkouts.Count);
        Assert.All(checkouts, c => Assert.Equal("false", c.ScalarMap("with")["persist-credentials"]));
    }

    // ${{ }} in a script is pasted in before bash runs it: a value with quotes or $(…) would become code.
    [Fact]
    public void No_run_script_pastes_in_an_expression_values_come_through_the_environment()
    {
        var scripts = AllSteps.Select(s => s.Scalar("run")).OfType<string>().ToList();

        Assert.NotEmpty(scripts);
        Assert.All(scripts, s => Assert.DoesNotContain("${{", s, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_secret_a_workflow_uses_is_in_the_readme_secrets_table_and_every_row_is_used()
    {
        var used = _workflows
            .SelectMany(w => WorkflowDocument.SecretsUsedIn(w.Root))
            .Where(s => s != JobToken)
            .Order(StringComparer.Ordinal)
            .Distinct()
            .ToList();
        var documented = ReadmeSecretsTable.SecretNames();

        Assert.Equal(used, documented.Order(StringComparer.Ordinal));
        Assert.Equal(documented.Count, documented.Distinct().Count());
    }

    [Fact]
    public void The_readme_documents_the_five_deploy_secrets()
    {
        Assert.Equal(
            CiCdWorkflowTests.DeploySecrets.Order(StringComparer.Ordinal),
            ReadmeSecretsTable.SecretNames().Order(StringComparer.Ordinal));
    }
}
