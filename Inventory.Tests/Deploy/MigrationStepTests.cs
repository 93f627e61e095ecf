using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Deploy;

/// <summary>
/// The migration step: a one-off container of the new image migrates before the candidate starts, bounded by
/// MIGRATE_TIMEOUT, while users keep calling the live version. A failed or timed-out migration fails the deploy with
/// the schema and the live version as they were; a slow one completes; a rollback across a contract migration is
/// refused by the health gate with the schema-compatibility reason.
/// </summary>
[Collection(nameof(DeployScenarios))]
public sealed class MigrationStepTests(DeployEnvironment environment, ProductImage productImage, MigrationImages images)
    : IClassFixture<MigrationImages>
{
    [Fact]
    public async Task A_failing_migration_fails_the_deploy_and_leaves_the_schema_and_the_live_version_as_they_were()
    {
        var migrations = await images.GetAsync(environment, productImage);
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 1);
        await using var stack = target;

        var (run, loop) = await Users.WhileUsersCallAsync(stack, () => stack.DeployAsync(migrations.Failing));
        environment.Measure("deploy of a version whose migration fails", run, loop);

        Users.AssertFailedWith(run, $"the migration of {migrations.Failing} failed ('migrate' exited with code 1)");
        Assert.Contains($"{tags.First} still serves and the schema is as before", run.ErrorLine,
            StringComparison.Ordinal);
        Assert.Contains("pending: " + MigrationImages.FailingId, run.Output, StringComparison.Ordinal);
        // The one-off's own log, quoted: the migration it tried and PostgreSQL's error.
        Assert.Contains($"  |       Applying migration {MigrationImages.FailingId}.", run.Output,
            StringComparison.Ordinal);
        Assert.Contains("SQL error 22012: division by zero", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("started the candidate", run.Output, StringComparison.Ordinal);
        Assert.Equal([tags.First], loop.VersionsInOrder);
        await LiveTarget.AssertUntouchedAsync(stack, tags);
        // Rolled back whole: the table the migration created before it failed does not exist.
        await AssertNotMigratedAsync(stack, "migration_probe_failed");
        await AssertMigrationStepAuditedAsync(stack, migrations.Failing, "failed");
    }

    [Fact]
    public async Task A_migration_longer_than_the_health_timeout_completes_while_the_live_version_serves()
    {
        var migrations = await images.GetAsync(environment, productImage);
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 1);
        await using var stack = target;
        var settings = await SettingsAsync(stack, ("HEALTH_TIMEOUT", "15"), ("MIGRATE_TIMEOUT", "600"));
        Assert.True(MigrationImages.SlowSeconds > 15);

        var (run, loop) = await Users.WhileUsersCallAsync(stack, () => stack.DeployAsync(migrations.Slow, settings));
        environment.Measure("deploy of a version with a migration longer than HEALTH_TIMEOUT", run, loop);

        Users.AssertSucceeded(run);
        Assert.Contains($"  | Applied migration {MigrationImages.SlowId} in ", run.Output, StringComparison.Ordinal);
        Users.AssertSwitched(loop, tags.First, migrations.Slow);
        await Users.AssertLiveAsync(stack, migrations.Slow);
        await Users.AssertStateAsync(stack, migrations.Slow, tags.First);
        Assert.Equal("t", await DatabaseRoleTests.SqlAsync(stack,
            "SELECT to_regclass('migration_probe_slow') IS NOT NULL"));
        await AssertMigrationStepAuditedAsync(stack, migrations.Slow, "ok");
        // The candidate did not migrate at start: the deploy told it not to.
        var live = Assert.Single(await Users.ContainersOfAsync(stack, migrations.Slow));
        Assert.Contains("\"Database__MigrateAtStart=false\"",
            await DockerCli.OutputAsync("inspect", "--format", "{{json .Config.Env}}", live.Name),
            StringComparison.Ordinal);
        Assert.DoesNotContain(await stack.ContainersAsync(), c => c.Role == "migrate");
    }

    [Fact]
    public async Task A_migration_that_outlasts_MIGRATE_TIMEOUT_is_stopped_and_rolled_back()
    {
        var migrations = await images.GetAsync(environment, productImage);
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 1);
        await using var stack = target;
        var settings = await SettingsAsync(stack, ("MIGRATE_TIMEOUT", "12"));

        var (run, loop) = await Users.WhileUsersCallAsync(stack, () => stack.DeployAsync(migrations.Slow, settings));
        environment.Measure("deploy of a version whose migration outlasts MIGRATE_TIMEOUT", run, loop);

        Users.AssertFailedWith(run,
            $"the migration of {migrations.Slow} failed ('migrate' did not finish within 12 s (MIGRATE_TIMEOUT)");
        Assert.Contains($"  |       Applying migration {MigrationImages.SlowId}.", run.Output,
            StringComparison.Ordinal);
        // Stopped with SIGTERM: the app cancelled its statement.
        Assert.Contains("Migration interrupted (SIGTERM or SIGINT)", run.Output, StringComparison.Ordinal);
        Assert.Equal([tags.First], loop.VersionsInOrder);
        await LiveTarget.AssertUntouchedAsync(stack, tags);
        // No server session sleeps on for the stopped migration, and its transaction left nothing behind.
        await DeployTarget.WaitUntilAsync(
            async () => await DatabaseRoleTests.SqlAsync(stack,
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'") == "0",
            TimeSpan.FromSeconds(60), "the stopped migration's session to end");
        await AssertNotMigratedAsync(stack, "migration_probe_slow");
        await AssertMigrationStepAuditedAsync(stack, migrations.Slow, "failed");
    }

    [Fact]
    public async Task A_rollback_across_a_contract_migration_is_refused_by_the_health_gate()
    {
        var migrations = await images.GetAsync(environment, productImage);
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 1);
        await using var stack = target;
        var (deploy, _) = await Users.WhileUsersCallAsync(stack, () => stack.DeployAsync(migrations.Contract));
        Users.AssertSucceeded(deploy);

        // The previous build needs the shape before the contract: the rollback button would go to it.
        var (run, loop) = await Users.WhileUsersCallAsync(stack, () => stack.RollbackAsync());
        environment.Measure("rollback across a contract migration (refused)", run, loop);

        Users.AssertFailedWith(run, $"{tags.First} did not pass the health gate");
        Assert.Contains("This build cannot run on the database's schema", run.ErrorLine, StringComparison.Ordinal);
        Assert.Contains($"contracted for builds with migration {MigrationImages.ContractId} or later", run.ErrorLine,
            StringComparison.Ordinal);
        Assert.Contains($"{migrations.Contract} still serves — the state files are unchanged", run.ErrorLine,
            StringComparison.Ordinal);
        // A rollback runs no migration.
        Assert.DoesNotContain("migration step", run.Output, StringComparison.Ordinal);
        Assert.Equal([migrations.Contract], loop.VersionsInOrder);
        await Users.AssertLiveAsync(stack, migrations.Contract);
        await Users.AssertStateAsync(stack, migrations.Contract, tags.First);
        Assert.Equal([migrations.Contract], (await stack.AppContainersAsync())
            .Where(c => c.State == "running").Select(c => c.Tag));
    }

    private static async Task<IReadOnlyDictionary<string, string?>> SettingsAsync(
        DeployTarget stack, params (string Key, string Value)[] settings) =>
        new Dictionary<string, string?>
        {
            ["EC2_DEPLOY_ENV"] = await stack.WriteDeployEnvVariantAsync(
                settings.ToDictionary(s => s.Key, s => s.Value)),
        };

    private static async Task AssertNotMigratedAsync(DeployTarget stack, string table)
    {
        Assert.Equal("t", await DatabaseRoleTests.SqlAsync(stack, $"SELECT to_regclass('{table}') IS NULL"));
        Assert.Equal("0", await DatabaseRoleTests.SqlAsync(stack,
            "SELECT count(*) FROM \"__EFMigrationsHistory\" WHERE \"MigrationId\" LIKE '%_Test%'"));
        Assert.DoesNotContain(await stack.ContainersAsync(), c => c.Role == "migrate");
    }

    private static async Task AssertMigrationStepAuditedAsync(DeployTarget stack, string tag, string result)
    {
        var audit = await stack.AuditLogAsync();
        Assert.Contains(audit, l => l.Contains($"step=migrate from=", StringComparison.Ordinal)
            && l.Contains($"to={tag} result={result}", StringComparison.Ordinal));
        Assert.Contains(audit, l => l.Contains($"step=outcome", StringComparison.Ordinal)
            && l.Contains($"to={tag} result={(result == "ok" ? "deployed" : "failed")}", StringComparison.Ordinal));
    }
}
