using System.Reflection;
using Inventory.Api.Data;
using Inventory.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Inventory.Tests.Infrastructure.ApiTests;

namespace Inventory.Tests.Api;

/// <summary>
/// <c>dotnet Inventory.Api.dll migrate [--pending]</c>, the one-off the deploy runs, and
/// <c>Database__MigrateAtStart=false</c>, with which a deployed candidate refuses pending migrations.
/// </summary>
public sealed class MigrateCommandTests(PostgresServer postgres)
{
    // Every migration of this build, oldest first: what a new database has pending.
    private static readonly string[] Migrations = [.. typeof(InventoryDbContext).Assembly.GetTypes()
        .Select(t => t.GetCustomAttribute<MigrationAttribute>()?.Id).OfType<string>().Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Migrate_lists_then_applies_the_pending_migrations_and_logs_each()
    {
        var database = await postgres.CreateDatabaseAsync("migrate");

        var pending = await ApiAsync(database, "migrate", "--pending");
        Assert.True(pending.Succeeded, pending.Output);
        Assert.Equal(Migrations, pending.StandardOutput.Trim().Split('\n'));

        var migrate = await ApiAsync(database, "migrate");
        Assert.True(migrate.Succeeded, migrate.Output);
        Assert.All(Migrations, id =>
            Assert.Contains($"Applied migration {id} in ", migrate.StandardError, StringComparison.Ordinal));
        Assert.Contains($"Database migrated: {Migrations.Length} migration(s) applied.", migrate.StandardError,
            StringComparison.Ordinal);
        Assert.Equal("", migrate.StandardOutput.Trim());

        var none = await ApiAsync(database, "migrate", "--pending");
        Assert.True(none.Succeeded, none.Output);
        Assert.Equal("", none.StandardOutput.Trim());
        var again = await ApiAsync(database, "migrate");
        Assert.True(again.Succeeded, again.Output);
        Assert.Contains("0 migration(s) applied", again.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_fails_with_a_clear_message_and_usage_errors_exit_2()
    {
        var unreachable = "Host=127.0.0.1;Port=9;Database=none;Username=none;Password=none;Timeout=1";
        var failed = await ApiAsync(unreachable, "migrate");
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("Database migration failed", failed.StandardError, StringComparison.Ordinal);

        var usage = await ApiAsync(unreachable, "migrate", "everything");
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("Unknown argument everything", usage.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_migrating_at_start_the_api_refuses_pending_migrations_and_changes_nothing()
    {
        var database = await postgres.CreateDatabaseAsync("nomigrate");

        var start = await ApiAsync(database, [], ("Database__MigrateAtStart", "false"),
            ("ASPNETCORE_URLS", "http://127.0.0.1:0"));

        Assert.Equal(1, start.ExitCode);
        Assert.Contains($"{Migrations.Length} migration(s) are pending ({string.Join(", ", Migrations)}) and "
            + "Database:MigrateAtStart is false", start.Output, StringComparison.Ordinal);
        var pending = await ApiAsync(database, "migrate", "--pending");
        Assert.Equal(Migrations, pending.StandardOutput.Trim().Split('\n'));
    }

    private static Task<ProcessResult> ApiAsync(string connectionString, params string[] arguments) =>
        ApiAsync(connectionString, arguments, []);

    private static Task<ProcessResult> ApiAsync(
        string connectionString, string[] arguments, params (string Key, string Value)[] settings)
    {
        var environment = new Dictionary<string, string?>(TestApiKeys.EnvironmentVariables)
        {
            ["ConnectionStrings__inventorydb"] = connectionString,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }
        return ProcessRunner.RunAsync("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "Inventory.Api.dll"), .. arguments], environment,
            timeout: TimeSpan.FromMinutes(2), cancellationToken: TestContext.Current.CancellationToken);
    }
}
