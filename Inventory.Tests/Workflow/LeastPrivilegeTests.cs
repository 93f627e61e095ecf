using YamlDotNet.RepresentationModel;

namespace Inventory.Tests.Workflow;

/// <summary>
/// Each job's token may do what its steps need and nothing more, and no job that runs code from a pull request
/// may write anything.
/// </summary>
public sealed class LeastPrivilegeTests
{
    private const string Read = "read";
    private const string Write = "write";

    private readonly IReadOnlyList<WorkflowDocument> _workflows = WorkflowDocument.LoadAllWorkflows();

    [Fact]
    public void Every_job_is_granted_exactly_what_its_steps_need()
    {
        Assert.All(_workflows.SelectMany(w => w.AllJobs()), job => Assert.Equal(
            MinimumPermissions(job.Job).OrderBy(p => p.Key, StringComparer.Ordinal),
            job.Job.ScalarMap("permissions").OrderBy(p => p.Key, StringComparer.Ordinal)));
    }

    // A pull request's code is untrusted: a token that can write would let it publish or change the repository.
    [Fact]
    public void No_job_that_runs_for_pull_requests_can_write()
    {
        var untrusted = _workflows
            .Where(w => w.Triggers.ContainsKey("pull_request"))
            .SelectMany(w => w.AllJobs())
            .Where(j => !(j.Job.Condition() ?? "")
                .Contains("github.event_name == 'push'", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(untrusted);
        Assert.All(untrusted, job => Assert.DoesNotContain(Write, job.Job.ScalarMap("permissions").Values));
    }

    /// <summary>
    /// What the job token must allow for the steps of <paramref name="job"/>, by the actions they use.
    /// </summary>
    private static Dictionary<string, string> MinimumPermissions(YamlMappingNode job)
    {
        var needed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var step in WorkflowDocument.Steps(job))
        {
            var action = step.Scalar("uses")?.Split('@')[0];
            switch (action)
            {
                case "actions/checkout":
                    Grant(needed, "contents", Read);
                    break;
                // Pushes to GHCR with the job token (docker/login-action logs in with it).
                case "docker/build-push-action" when step.ScalarMap("with").GetValueOrDefault("push") == "true":
                    Grant(needed, "packages", Write);
                    break;
                // Logged in to GHCR with the job token: at least reads packages (the rollback reads a digest).
                case "docker/login-action"
                    when step.ScalarMap("with").GetValueOrDefault("password") == "${{ secrets.GITHUB_TOKEN }}":
                    Grant(needed, "packages", Read);
                    break;
                // Sigstore signs with the job's OIDC token; the attestation is stored with the repository.
                case "actions/attest-build-provenance":
                    Grant(needed, "id-token", Write);
                    Grant(needed, "attestations", Write);
                    break;
            }
        }
        return needed;
    }

    private static void Grant(Dictionary<string, string> permissions, string scope, string level)
    {
        if (permissions.GetValueOrDefault(scope) != Write)
        {
            permissions[scope] = level;
        }
    }
}
