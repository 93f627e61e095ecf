using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Deploy;

/// <summary>
/// Least privilege in the database: bootstrap gives the app its own role, no superuser, owning only the inventory
/// database, and an external database's connection string reaches the host without ever being on a command line.
/// </summary>
[Collection(nameof(DeployScenarios))]
public sealed class DatabaseRoleTests(DeployEnvironment environment, ProductImage productImage)
{
    [Fact]
    public async Task An_external_database_url_is_read_from_a_file_or_standard_input_never_from_argv()
    {
        await DeployEnvironment.RequireOrSkip();
        await environment.StartAsync(productImage);
        var secret = $"pw{Guid.NewGuid():N}";
        var url = $"Host=db.example;Database=inventorydb;Username=app;Password={secret}";
        var directory = System.IO.Directory.CreateTempSubdirectory("inventory-external-db-").FullName;
        try
        {
            var oldForm = await Privileged.RunAsync("bash", [Script(), "--steps", "config", "--database-url", url]);
            Assert.Equal(2, oldForm.ExitCode);
            Assert.Contains("--database-url-file", oldForm.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, oldForm.Output, StringComparison.Ordinal);

            await using var watcher = CommandLineWatcher.Start(secret);
            var run = await Privileged.RunAsync("env", [
                $"INVENTORY_STATE_DIR={directory}/state", "bash", Script(), "--steps", "config",
                "--config-dir", $"{directory}/etc", "--user", environment.Host.UserName,
                "--image", "ghcr.io/owner/repo", "--database-url-file", "-"], standardInput: url + "\n");
            var (hits, samples) = await watcher.StopAsync();

            Assert.True(run.Succeeded, run.Output);
            Assert.DoesNotContain(secret, run.Output, StringComparison.Ordinal);
            Assert.True(samples > 3, $"the command lines were read only {samples} times");
            Assert.Empty(hits);
            var envFile = (await Privileged.RunCheckedAsync("cat", $"{directory}/etc/inventory.env")).StandardOutput;
            Assert.Contains($"ConnectionStrings__inventorydb={url}\n", envFile, StringComparison.Ordinal);
            Assert.False(File.Exists($"{directory}/etc/postgres.env"), "an external database needs no postgres.env");
        }
        finally
        {
            await Privileged.RunAsync("rm", ["-rf", directory]);
        }
    }

    [Fact]
    public async Task The_app_connects_as_its_own_role_which_is_no_superuser_and_owns_its_database()
    {
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 1);
        await using var stack = target;

        using (var admin = await Users.AdminClientAsync(stack))
        {
            await Users.CreateItemAsync(admin);
        }
        Assert.Contains(";Username=inventory_app;", await stack.ReadConfigFileAsync("inventory.env"),
            StringComparison.Ordinal);
        Assert.Equal("f|f|f|f", await SqlAsync(stack,
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = 'inventory_app'"));
        Assert.Equal("inventory_app", await SqlAsync(stack,
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'inventorydb'"));
        // The migrations ran as the role: it owns every table, and the live app's sessions are its.
        Assert.Equal("inventory_app", await SqlAsync(stack,
            "SELECT string_agg(DISTINCT tableowner, ',') FROM pg_tables WHERE schemaname = 'public'"));
        Assert.Equal("inventory_app", await SqlAsync(stack,
            "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity "
                + "WHERE datname = 'inventorydb' AND backend_type = 'client backend' AND pid <> pg_backend_pid()"));

        // Idempotent: bootstrap again keeps the role and the data, and the app goes on working.
        var again = await stack.BootstrapAsync("config,database");
        Assert.True(again.Succeeded, again.Output);
        using var client = await Users.AdminClientAsync(stack);
        await Users.CreateItemAsync(client);
        await Users.AssertLiveAsync(stack, tags.First);
    }

    private static string Script() => Path.Combine(RepositoryPaths.Root, "deploy", "bootstrap.sh");

    /// <summary>Runs <paramref name="sql"/> in the stack's database as PostgreSQL's superuser: its rows, unaligned.</summary>
    internal static Task<string> SqlAsync(DeployTarget stack, string sql) =>
        DockerCli.OutputAsync("exec", $"{stack.Name}-db", "psql", "--no-psqlrc", "--tuples-only", "--no-align",
            "--username", "inventory", "--dbname", "inventorydb", "--command", sql);
}
