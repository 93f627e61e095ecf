using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Deploy;

/// <summary>
/// Backups and restore: <c>backup.sh</c> run on the host as the schedule runs it (verified, rotated, the S3 copy
/// skipped with its notice without the aws CLI), a corrupt backup refused with nothing changed, <c>restore.sh</c>
/// bringing back every item and movement exactly while users call the API without a failed request, the same backup
/// restored into a fresh PostgreSQL, and the daily schedule bootstrap installs.
/// </summary>
[Collection(nameof(DeployScenarios))]
public sealed partial class BackupRestoreTests(DeployEnvironment environment, ProductImage productImage)
{
    private const int Keep = 2;

    [Fact]
    public async Task A_backup_brings_back_every_item_and_movement_live_and_in_a_fresh_database()
    {
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 1,
            settings: new Dictionary<string, string> { ["INVENTORY_BACKUP_KEEP"] = $"{Keep}" });
        await using var stack = target;
        using var admin = await Users.AdminClientAsync(stack);
        var skus = await CreateStockAsync(admin);
        var before = await SnapshotAsync(admin, skus);

        // As the schedule runs it, three times; the first asks for an S3 copy the host cannot make (no aws CLI).
        var first = await HostAsync(stack, "backup.sh scheduled", "INVENTORY_BACKUP_S3_URI=s3://inventory-test/b/");
        Assert.True(first.Succeeded, first.Output);
        Assert.Contains("S3 upload skipped: the aws CLI is not installed", first.Output, StringComparison.Ordinal);
        var firstFile = BackupFileIn(first.Output);
        var second = await HostAsync(stack, "backup.sh scheduled");
        Assert.Contains(
            "S3 upload skipped: INVENTORY_BACKUP_S3_URI is not set", second.Output, StringComparison.Ordinal);
        var third = await HostAsync(stack, "backup.sh scheduled");
        Assert.True(third.Succeeded, third.Output);
        var backup = BackupFileIn(third.Output);
        Assert.Matches($"^{stack.Name}-[0-9]{{8}}T[0-9]{{6}}Z-scheduled\\.dump$", backup);

        var files = await BackupFilesAsync(stack);
        Assert.Equal([BackupFileIn(second.Output), backup], files);
        Assert.DoesNotContain(firstFile, files);
        Assert.Equal($"700 {environment.Host.UserName}\n600 {environment.Host.UserName}",
            (await Privileged.RunCheckedAsync("stat", "-c", "%a %U", stack.BackupDirectory,
                Path.Combine(stack.BackupDirectory, backup))).StandardOutput.Trim());
        var contents = await PgRestoreAsync(stack, backup, "pg_restore", "--list", "/backup.dump");
        Assert.True(contents.Succeeded, contents.Output);
        Assert.Contains("TABLE DATA public stock_movements", contents.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(await stack.AuditLogAsync(),
            l => l.Contains("action=backup step=backup ", StringComparison.Ordinal)
                && l.Contains($"result=ok seconds=", StringComparison.Ordinal)
                && l.Contains($"file={backup}", StringComparison.Ordinal));

        // A corrupt backup and a name outside the backup folder are refused before anything is touched.
        var corrupt = $"{stack.Name}-20260101T000000Z-corrupt.dump";
        await Privileged.WriteFileAsync(
            Path.Combine(stack.BackupDirectory, corrupt), "PGDMP but not really", environment.Host.UserName, "600");
        var refused = await HostAsync(stack, $"restore.sh {corrupt}");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"{corrupt} is not a readable backup", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", refused.StandardError, StringComparison.Ordinal);
        var usage = await HostAsync(stack, "restore.sh ../deploy.env");
        Assert.Equal(2, usage.ExitCode);
        Assert.Equal([corrupt, .. files], await BackupFilesAsync(stack));
        Assert.Equal(before, await SnapshotAsync(admin, skus));

        // The data changes after the backup: an item archived, stock issued, a new item.
        using (var archive = await admin.DeleteAsync($"/api/items/{skus[^2]}", TestContext.Current.CancellationToken))
        {
            Assert.True(archive.IsSuccessStatusCode, $"DELETE answered {(int)archive.StatusCode}");
        }
        await PostAsync(admin, "/api/stock/issues", new { sku = skus[1], location = skus[^1], quantity = 2 });
        var added = await Users.CreateItemAsync(admin);
        Assert.NotEqual(before, await SnapshotAsync(admin, skus));

        // The restore, while users call /version and the API: not one failed request.
        using var api = ApiLoop.Start(stack);
        await api.WaitForFirstSuccessAsync();
        var (run, _) = await Users.WhileUsersCallAsync(
            stack, async () => new DeployRun(await HostAsync(stack, $"restore.sh {backup}"), ""));
        var apiResult = await api.StopAsync();
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.True(apiResult.Failures.Count == 0, $"API calls failed during the restore: {apiResult}");
        Assert.Equal(before, await SnapshotAsync(admin, skus));
        using (var gone = await admin.GetAsync($"/api/items/{added}", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        await Users.AssertLiveAsync(stack, tags.First);
        await Users.AssertStateAsync(stack, tags.First, null);
        Assert.Contains(await stack.AuditLogAsync(),
            l => l.Contains("action=restore step=restore ", StringComparison.Ordinal)
                && l.Contains(" result=ok ", StringComparison.Ordinal)
                && l.Contains($"file={backup}", StringComparison.Ordinal));
        Assert.Contains(
            await BackupFilesAsync(stack), f => f.EndsWith("-before-restore.dump", StringComparison.Ordinal));

        await AssertRestoresIntoAFreshDatabaseAsync(stack, backup, skus);
    }

    [Fact]
    public async Task Bootstrap_installs_a_daily_backup_schedule_at_the_configured_time()
    {
        await DeployEnvironment.RequireOrSkip();
        await environment.StartAsync(productImage);
        await using var stack = await environment.CreateTargetAsync(withProxy: false);
        var systemd = Directory.Exists("/run/systemd/system");
        var unit = $"{stack.Name}-backup";
        var file = systemd ? $"/etc/systemd/system/{unit}.timer" : $"/etc/cron.d/{unit}";
        try
        {
            var daily = await stack.BootstrapAsync("backup");
            Assert.True(daily.Succeeded, daily.Output);
            var schedule = (await Privileged.RunCheckedAsync("cat", file)).StandardOutput;
            var command = $"INVENTORY_DEPLOY_ENV={stack.DeployEnvPath} /home/{environment.Host.UserName}"
                + "/inventory-deploy/backup.sh scheduled";
            Assert.Contains(systemd ? "OnCalendar=daily\nPersistent=true\n" : $"@daily {environment.Host.UserName} "
                + command, schedule, StringComparison.Ordinal);

            var at = await stack.BootstrapAsync("backup", new Dictionary<string, string>
            {
                ["INVENTORY_BACKUP_TIME"] = "04:05",
            });
            Assert.True(at.Succeeded, at.Output);
            schedule = (await Privileged.RunCheckedAsync("cat", file)).StandardOutput;
            Assert.Contains(systemd ? "OnCalendar=*-*-* 04:05:00\n" : $"5 4 * * * {environment.Host.UserName} "
                + command, schedule, StringComparison.Ordinal);
        }
        finally
        {
            if (systemd)
            {
                await Privileged.RunAsync("systemctl", ["disable", "--now", $"{unit}.timer"]);
                await Privileged.RunAsync("rm", ["-f", file, $"/etc/systemd/system/{unit}.service"]);
            }
            else
            {
                await Privileged.RunAsync("rm", ["-f", file]);
            }
        }
    }

    /// <summary>The issue's test: a backup restored into a new PostgreSQL holds every row of the live one.</summary>
    private static async Task AssertRestoresIntoAFreshDatabaseAsync(
        DeployTarget stack, string backup, IReadOnlyList<string> skus)
    {
        var image = await PostgresImageAsync(stack);
        var fresh = DockerCli.UniqueName("fresh-db");
        try
        {
            await DockerCli.OutputAsync("run", "--detach", "--name", fresh, "--env", "POSTGRES_PASSWORD=fresh",
                "--env", "POSTGRES_DB=restored", image);
            await DeployTarget.WaitUntilAsync(async () => (await DockerCli.RunAsync(
                    ["exec", fresh, "pg_isready", "--quiet", "--host", "127.0.0.1", "--username", "postgres"]))
                .Succeeded, TimeSpan.FromSeconds(90), "the fresh PostgreSQL");
            await Privileged.RunCheckedAsync(
                "docker", "cp", Path.Combine(stack.BackupDirectory, backup), $"{fresh}:/tmp/backup.dump");
            await DockerCli.OutputAsync("exec", fresh, "pg_restore", "--no-owner", "--exit-on-error",
                "--username", "postgres", "--dbname", "restored", "/tmp/backup.dump");
            foreach (var table in new[] { "items", "stock_movements", "locations", "stock_levels" })
            {
                var sql = $"SELECT * FROM {table} ORDER BY id";
                if (table == "stock_levels")
                {
                    sql = "SELECT * FROM stock_levels ORDER BY item_id, location_id";
                }
                var live = await DockerCli.OutputAsync("exec", $"{stack.Name}-db", "psql", "--no-psqlrc",
                    "--username", "inventory", "--dbname", "inventorydb", "--command", sql);
                var restored = await DockerCli.OutputAsync("exec", fresh, "psql", "--no-psqlrc",
                    "--username", "postgres", "--dbname", "restored", "--command", sql);
                Assert.Equal(live, restored);
                // skus ends with the location's code (see CreateStockAsync).
                if (table == "items")
                {
                    Assert.All(skus.SkipLast(1), sku => Assert.Contains(sku, restored, StringComparison.Ordinal));
                }
                if (table == "locations")
                {
                    Assert.Contains(skus[^1], restored, StringComparison.Ordinal);
                }
            }
        }
        finally
        {
            await DockerCli.RemoveQuietlyAsync("container", fresh);
        }
    }

    /// <summary>Items at a location with receipts, issues and a transfer: several movements per item.</summary>
    private static async Task<List<string>> CreateStockAsync(HttpClient admin)
    {
        var location = $"LOC-{Guid.NewGuid().ToString("N")[..6]}";
        var other = $"LOC-{Guid.NewGuid().ToString("N")[..6]}";
        await PostAsync(admin, "/api/locations", new { code = location, name = "Backup test shelf" });
        await PostAsync(admin, "/api/locations", new { code = other, name = "Backup test bin" });
        var skus = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var sku = await Users.CreateItemAsync(admin);
            skus.Add(sku);
            await PostAsync(admin, "/api/stock/receipts", new { sku, location, quantity = 10 + i });
            await PostAsync(admin, "/api/stock/issues", new { sku, location, quantity = 1 });
            await PostAsync(admin, "/api/stock/transfers",
                new { sku, fromLocation = location, toLocation = other, quantity = 2 });
        }
        // One item without stock: only such an item can be archived (409 while it holds any).
        skus.Add(await Users.CreateItemAsync(admin));
        skus.Add(location);
        return skus;
    }

    private static async Task PostAsync(HttpClient admin, string path, object body)
    {
        using var response = await admin.PostAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode,
            $"POST {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>What the API says about the test's items: the list, each item, each item's movements.</summary>
    private static async Task<List<string>> SnapshotAsync(HttpClient admin, IReadOnlyList<string> skus)
    {
        var answers = new List<string> { await admin.GetStringAsync("/api/items?limit=200") };
        foreach (var sku in skus.SkipLast(1))
        {
            answers.Add(await admin.GetStringAsync($"/api/items/{sku}"));
            answers.Add(await admin.GetStringAsync($"/api/items/{sku}/movements?limit=200"));
        }
        answers.Add(await admin.GetStringAsync($"/api/locations/{skus[^1]}"));
        return answers;
    }

    /// <summary>A script of the host's deploy folder, run over SSH as the deploy user, as an operator would.</summary>
    private Task<ProcessResult> HostAsync(DeployTarget stack, string command, string environmentVariables = "") =>
        environment.Host.RunAsync(
            $"env {environmentVariables} INVENTORY_DEPLOY_ENV={stack.DeployEnvPath} ~/inventory-deploy/{command}",
            TimeSpan.FromMinutes(5));

    private static string BackupFileIn(string output) =>
        Path.GetFileName(BackupDone().Match(output) is { Success: true } match
            ? match.Groups[1].Value
            : throw new InvalidOperationException($"no 'backup done' line in:\n{output}"));

    [GeneratedRegex(@"backup done: (\S+) \(")]
    private static partial Regex BackupDone();

    private static async Task<List<string>> BackupFilesAsync(DeployTarget stack) =>
        [.. (await Privileged.RunCheckedAsync("ls", "-A", stack.BackupDirectory)).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];

    private static async Task<string> PostgresImageAsync(DeployTarget stack) =>
        (await stack.ReadConfigFileAsync("deploy.env")).Split('\n')
            .Single(l => l.StartsWith("INVENTORY_POSTGRES_IMAGE=", StringComparison.Ordinal))
            .Split('=', 2)[1];

    private static async Task<ProcessResult> PgRestoreAsync(DeployTarget stack, string backup, params string[] command)
    {
        var image = await PostgresImageAsync(stack);
        return await Privileged.RunAsync("docker", [
            "run", "--rm", "--volume", $"{Path.Combine(stack.BackupDirectory, backup)}:/backup.dump:ro", image,
            .. command]);
    }
}
