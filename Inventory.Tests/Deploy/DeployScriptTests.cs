using System.Text.RegularExpressions;
using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Deploy;

/// <summary>
/// The deploy scripts' own contract, without a host: usage, refusals before anything connects, bootstrap's dry run, the
/// documented settings.
/// </summary>
public sealed partial class DeployScriptTests
{
    private static string Script(string name) => Path.Combine(RepositoryPaths.Root, "deploy", name);

    private static Task<ProcessResult> RunAsync(string fileName, string[] arguments,
        IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync(
            fileName, arguments, environment, timeout: timeout,
            cancellationToken: TestContext.Current.CancellationToken);

    public static TheoryData<string> Scripts =>
        ["deploy.sh", "rollback.sh", "bootstrap.sh", "remote.sh", "receive.sh", "follow.sh", "backup.sh",
        "restore.sh", "renew-cert.sh"];

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Each_script_is_executable_and_prints_its_usage_on_h(string name)
    {
        Assert.True(new FileInfo(Script(name)).UnixFileMode.HasFlag(UnixFileMode.UserExecute),
            $"{name} is not executable");
        var help = await RunAsync(Script(name), ["-h"]);
        Assert.Equal(0, help.ExitCode);
        Assert.StartsWith("Usage: ", help.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remote_refuses_without_its_secrets_or_with_a_tag_that_is_not_one_before_connecting()
    {
        var noHost = await RunAsync(Script("remote.sh"), ["deploy", "abc123"],
            new Dictionary<string, string?>
            {
                ["EC2_HOST"] = null, ["EC2_USERNAME"] = "x", ["EC2_SSH_KEY"] = "x", ["EC2_HOST_KEY"] = "x",
            });
        Assert.Equal(2, noHost.ExitCode);
        Assert.Contains("remote.sh: error: EC2_HOST is not set", noHost.StandardError, StringComparison.Ordinal);

        var badTag = await RunAsync(Script("remote.sh"), ["rollback", "$(reboot)"]);
        Assert.Equal(2, badTag.ExitCode);
        Assert.Contains("is not an image tag", badTag.StandardError, StringComparison.Ordinal);

        var usage = await RunAsync(Script("remote.sh"), ["promote", "abc"]);
        Assert.Equal(2, usage.ExitCode);
    }

    [Fact]
    public async Task Remote_reports_an_unreachable_host_with_a_failed_job_summary()
    {
        var summary = Path.Combine(Path.GetTempPath(), $"{DockerCli.UniqueName("summary")}.md");
        try
        {
            var run = await RunAsync(
                Script("remote.sh"), ["deploy", "0123456789abcdef"], new Dictionary<string, string?>
            {
                ["EC2_HOST"] = "127.0.0.1",
                ["EC2_PORT"] = FreePort.Tcp().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["EC2_USERNAME"] = "nobody",
                ["EC2_SSH_KEY"] = "not a key",
                ["EC2_HOST_KEY"] =
                    "[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC5oZXJlLWlzLW5vLWtleS1oZXJlLWF0LWFsbC4u",
                ["GITHUB_STEP_SUMMARY"] = summary,
            }, timeout: TimeSpan.FromMinutes(1));

            Assert.Equal(1, run.ExitCode);
            Assert.Contains("cannot copy deploy/ to the host over SSH", run.StandardError, StringComparison.Ordinal);
            var written = await File.ReadAllTextAsync(summary, TestContext.Current.CancellationToken);
            Assert.Contains("| outcome | ❌ failed before the host reported a result", written,
                StringComparison.Ordinal);
            Assert.Contains("| tag | `0123456789abcdef` |", written, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(summary);
        }
    }

    [Fact]
    public async Task Deploy_and_rollback_refuse_bad_arguments_with_usage()
    {
        var noTag = await RunAsync(Script("deploy.sh"), []);
        Assert.Equal(2, noTag.ExitCode);
        Assert.Contains("give exactly one TAG", noTag.StandardError, StringComparison.Ordinal);

        var badTag = await RunAsync(Script("rollback.sh"), ["-bad"]);
        Assert.Equal(2, badTag.ExitCode);

        var badName = await RunAsync(Script("deploy.sh"), ["a b"]);
        Assert.Equal(2, badName.ExitCode);
        Assert.Contains("deploy: error: 'a b' is not an image tag", badName.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bootstrap_dry_run_shows_every_step_and_changes_nothing()
    {
        var directory = Path.Combine(Path.GetTempPath(), DockerCli.UniqueName("bootstrap-dry-run"));
        var user = $"nouser{Guid.NewGuid().ToString("N")[..8]}";

        var run = await RunAsync(Script("bootstrap.sh"),
            ["--dry-run", "--config-dir", Path.Combine(directory, "etc"), "--user", user, "--image",
                "ghcr.io/owner/repo",
                "--authorized-key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtleQ test"],
            // Without DOCKER_HOST, as on a fresh EC2 host: each setting of defaults.env is written to deploy.env,
            // set or not.
            new Dictionary<string, string?>
            {
                ["INVENTORY_STATE_DIR"] = Path.Combine(directory, "state"), ["DOCKER_HOST"] = null,
            });

        Assert.True(run.Succeeded, run.Output);
        foreach (var expected in new[]
        {
            $"would run: useradd --create-home --shell /bin/bash --user-group {user}",
            $"would run: usermod --append --groups docker {user}",
            $"would write /home/{user}/.ssh/authorized_keys (mode 600",
            $"would write {directory}/etc/deploy.env (mode 600, owner {user}:{user})",
            $"would write {directory}/etc/postgres.env (mode 600",
            $"would write {directory}/etc/inventory.env (mode 600",
            $"would write {directory}/etc/admin-api-key (mode 600, owner root:root)",
            "would run: docker run --detach --name inventory-db",
            $"receive.sh",
            $"INVENTORY_DEPLOY_ENV={directory}/etc/deploy.env bash /home/{user}/inventory-deploy/deploy.sh --prepare",
            $"would run: install -d -m 700 -o {user} -g {user} /var/backups/inventory",
            Directory.Exists("/run/systemd/system")
                ? "would write /etc/systemd/system/inventory-backup.timer (mode 644"
                : "would write /etc/cron.d/inventory-backup (mode 644",
        })
        {
            Assert.Contains(expected, run.Output, StringComparison.Ordinal);
        }
        Assert.False(Directory.Exists(directory), "the dry run created files");
        Assert.False((await RunAsync("id", [user])).Succeeded, "the dry run created the user");
    }

    [Fact]
    public async Task Bootstrap_refuses_unknown_steps_and_needs_root_to_change_anything()
    {
        var step = await RunAsync(Script("bootstrap.sh"), ["--dry-run", "--steps", "docker,firewall"]);
        Assert.Equal(2, step.ExitCode);
        Assert.Contains("unknown step 'firewall'", step.StandardError, StringComparison.Ordinal);
        if (!Privileged.IsRoot)
        {
            var notRoot = await RunAsync(Script("bootstrap.sh"), ["--steps", "config"]);
            Assert.Equal(2, notRoot.ExitCode);
            Assert.Contains("run as root", notRoot.StandardError, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_setting_is_documented_in_the_readme_with_its_default()
    {
        var defaults = (await File.ReadAllLinesAsync(Script("defaults.env"), TestContext.Current.CancellationToken))
            .Select(line => SettingLine().Match(line))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value);
        var readme = await File.ReadAllTextAsync(Script("README.md"), TestContext.Current.CancellationToken);
        var section = readme[readme.IndexOf("\n## Settings", StringComparison.Ordinal)..];
        var end = section.IndexOf("\n## ", 5, StringComparison.Ordinal);
        section = section[..(end > 0 ? end : section.Length)];

        Assert.NotEmpty(defaults);
        foreach (var (key, value) in defaults)
        {
            var row = section.Split('\n').FirstOrDefault(l => l.StartsWith($"| `{key}` |", StringComparison.Ordinal));
            Assert.True(row is not null, $"deploy/README.md's Settings section has no row for {key}");
            Assert.Contains(value.Length == 0 ? "| — |" : $"| `{value}` |", row, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex("^(?<key>[A-Z][A-Z0-9_]*)=(?<value>.*)$")]
    private static partial Regex SettingLine();
}
