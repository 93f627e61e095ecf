using Inventory.Tests.Infrastructure;

using YamlDotNet.RepresentationModel;

namespace Inventory.Tests.Workflow;

/// <summary>
/// What may reach production: only main's pushes publish and deploy, one change at a time, over SSH against the
/// pinned host key, with secrets only where the deploy script reads them and never on a command line.
/// </summary>
public sealed class ProductionAccessTests
{
    // Created by GitHub for each run, scoped by the job's permissions; nobody configures it.
    private const string JobToken = "GITHUB_TOKEN";
    private const string PushEvent = "github.event_name == 'push'";
    private const string MainBranch = "github.ref == 'refs/heads/main'";

    private readonly IReadOnlyList<WorkflowDocument> _workflows = WorkflowDocument.LoadAllWorkflows();

    private IEnumerable<(string Workflow, string Name, YamlMappingNode Job, WorkflowDocument Document)> AllJobs =>
        _workflows.SelectMany(w => w.AllJobs().Select(j => (w.RelativePath, j.Name, j.Job, w)));

    private IEnumerable<YamlMappingNode> AllSteps => AllJobs.SelectMany(j => WorkflowDocument.Steps(j.Job));

    // Writing packages or attestations publishes; the production environment deploys.
    [Fact]
    public void Jobs_that_publish_or_deploy_run_for_main_only_and_for_its_pushes_where_other_events_trigger()
    {
        var privileged = AllJobs
            .Where(j => j.Job.ScalarMap("permissions").Values.Contains("write")
                || j.Job.Scalar("environment") is not null)
            .ToList();

        Assert.Equal(
            [(WorkflowDocument.CiCd, "build-and-push"), (WorkflowDocument.CiCd, "deploy-to-ec2"),
                (WorkflowDocument.Rollback, "rollback")],
            privileged.Select(j => (j.Workflow, j.Name)));
        Assert.All(privileged, j =>
        {
            // Only a button press can start a workflow_dispatch run; any other trigger must be a push to main.
            string[] required = j.Document.Triggers.Keys.All(t => t == "workflow_dispatch")
                ? [MainBranch]
                : [MainBranch, PushEvent];
            var terms = (j.Job.Condition() ?? "").Split("&&", StringSplitOptions.TrimEntries);
            Assert.Equal(required.Order(StringComparer.Ordinal), terms.Order(StringComparer.Ordinal));
        });
        // Tests run for every event, pull requests included.
        Assert.Null(Load(WorkflowDocument.CiCd).Job("test").Condition());
    }

    [Fact]
    public void Production_jobs_take_turns_in_one_group_and_are_never_cancelled_halfway()
    {
        var production = AllJobs.Where(j => j.Job.Scalar("environment") is not null).ToList();

        Assert.Equal(
            [(WorkflowDocument.CiCd, "deploy-to-ec2"), (WorkflowDocument.Rollback, "rollback")],
            production.Select(j => (j.Workflow, j.Name)));
        Assert.All(production, j =>
        {
            Assert.Equal("production", j.Job.Scalar("environment"));
            Assert.Equal(
                new Dictionary<string, string> { ["group"] = "production-deploy", ["cancel-in-progress"] = "false" },
                j.Job.ScalarMap("concurrency"));
        });
    }

    [Fact]
    public void Deploy_secrets_reach_only_the_steps_that_run_the_deploy_script_through_their_environment()
    {
        Assert.All(_workflows, w => Assert.All(w.Root.Children.Where(e => !IsKey(e.Key, "jobs")),
            e => Assert.Empty(DeploySecretsIn(e.Value))));
        Assert.All(AllJobs, j => Assert.All(j.Job.Children.Where(e => !IsKey(e.Key, "steps")),
            e => Assert.Empty(DeploySecretsIn(e.Value))));

        var withSecrets = AllSteps.Where(s => DeploySecretsIn(s).Count > 0).ToList();
        Assert.Equal(2, withSecrets.Count);
        Assert.All(withSecrets, step =>
        {
            Assert.Contains("deploy/remote.sh", step.Scalar("run") ?? "", StringComparison.Ordinal);
            var env = (YamlMappingNode)step.Child("env")!;
            Assert.Equal(DeploySecretsIn(step), DeploySecretsIn(env));
            Assert.Equal(CiCdWorkflowTests.DeploySecrets.Order(StringComparer.Ordinal),
                DeploySecretsIn(step).Order(StringComparer.Ordinal));
        });
    }

    // The deploy script reads them from its environment: a run: line that names one could echo it or pass it
    // as an argument, where the process list and logs show it.
    [Fact]
    public void No_run_script_names_a_variable_that_holds_a_secret()
    {
        var checkedSteps = 0;
        foreach (var step in AllSteps.Where(s => s.Scalar("run") is not null))
        {
            var secretVariables = step.ScalarMap("env")
                .Where(e => WorkflowDocument.SecretsUsedIn(new YamlScalarNode(e.Value)).Count > 0)
                .Select(e => e.Key);
            Assert.All(secretVariables, name =>
                Assert.DoesNotMatch($@"\b{name}\b", step.Scalar("run")!));
            checkedSteps++;
        }
        Assert.True(checkedSteps > 0);
    }

    [Fact]
    public void The_job_token_is_used_only_to_log_in_to_ghcr()
    {
        var withToken = AllSteps
            .Where(s => WorkflowDocument.SecretsUsedIn(s).Contains(JobToken))
            .ToList();

        // build-and-push logs in to push; the rollback, to read a tag's digest.
        Assert.Equal(2, withToken.Count);
        Assert.All(withToken, login =>
        {
            Assert.StartsWith("docker/login-action@", login.Scalar("uses"), StringComparison.Ordinal);
            Assert.Equal("ghcr.io", login.ScalarMap("with")["registry"]);
            Assert.Equal("${{ secrets.GITHUB_TOKEN }}", login.ScalarMap("with")["password"]);
        });
    }

    // A host key learned at connect time (ssh-keyscan, StrictHostKeyChecking=no or accept-new) trusts whoever
    // answers first; the deploy script pins the key from the EC2_HOST_KEY secret instead.
    [Fact]
    public void Ssh_runs_only_in_the_deploy_script_and_only_against_the_pinned_host_key()
    {
        Assert.All(AllSteps.Select(s => s.Scalar("run") ?? ""), run =>
        {
            Assert.DoesNotMatch(@"\b(ssh|scp|ssh-keyscan)\b", run);
            Assert.DoesNotContain("StrictHostKeyChecking", run, StringComparison.Ordinal);
        });
        Assert.All(AllSteps.Where(s => (s.Scalar("run") ?? "").Contains("deploy/remote.sh", StringComparison.Ordinal)),
            s => Assert.Equal("${{ secrets.EC2_HOST_KEY }}", s.ScalarMap("env")["EC2_HOST_KEY"]));

        var scripts = Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "deploy"), "*.sh",
                SearchOption.AllDirectories)
            .Select(File.ReadAllText)
            .ToList();
        Assert.All(scripts, script =>
        {
            Assert.DoesNotMatch(@"StrictHostKeyChecking\s*=?\s*(no|accept-new|off)\b", script);
            Assert.DoesNotContain("ssh-keyscan", script, StringComparison.Ordinal);
        });
        var remote = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "remote.sh"));
        Assert.Contains("StrictHostKeyChecking=yes", remote, StringComparison.Ordinal);
        Assert.Contains("GlobalKnownHostsFile=/dev/null", remote, StringComparison.Ordinal);
        Assert.Matches(@"printf '%s\\n' ""\$EC2_HOST_KEY"" *>", remote);
    }

    private static WorkflowDocument Load(string relativePath) => WorkflowDocument.Load(relativePath);

    private static bool IsKey(YamlNode key, string name) => key is YamlScalarNode { Value: var v } && v == name;

    private static HashSet<string> DeploySecretsIn(YamlNode node) =>
        WorkflowDocument.SecretsUsedIn(node).Where(s => s != JobToken).ToHashSet(StringComparer.Ordinal);
}
