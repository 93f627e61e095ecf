using Inventory.Tests.Infrastructure;

namespace Inventory.Tests.Workflow;

/// <summary>
/// The workflows' deploy and rollback steps run deploy/remote.sh, which comes with the deploy scripts (the deploy
/// issue); kept apart from the structural tests so that those hold on their own.
/// </summary>
public sealed class RunnerSideScriptTests
{
    [Fact]
    public void The_runner_side_script_the_workflows_run_exists_and_is_executable()
    {
        var script = new FileInfo(Path.Combine(RepositoryPaths.Root, "deploy", "remote.sh"));

        Assert.True(script.Exists, $"{script.FullName} is missing: the deploy-to-ec2 and rollback jobs run it");
        Assert.True(script.UnixFileMode.HasFlag(UnixFileMode.UserExecute), $"{script.FullName} is not executable");
    }
}
