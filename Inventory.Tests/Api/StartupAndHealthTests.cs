using Inventory.Api.Data;
using Inventory.Tests.Infrastructure.ApiTests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Inventory.Tests.Api;

/// <summary>
/// Start-up against real PostgreSQL: migrations, the advisory lock, readiness and liveness, /version.
/// </summary>
public sealed class StartupAndHealthTests(PostgresServer postgres)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Health_turns_200_once_every_migration_is_applied_and_alive_is_200()
    {
        await using var api = new ApiFactory(await postgres.CreateDatabaseAsync("health"));
        using var client = api.CreateClient();

        await api.WaitForStatusAsync("/health", HttpStatusCode.OK, Patience);

        using var alive = await client.GetAsync("/alive", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        using var scope = api.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(db.Database.GetMigrations(),
            await db.Database.GetAppliedMigrationsAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Version_reports_dev_and_unknown_in_a_plain_build()
    {
        await using var api = new ApiFactory(await postgres.CreateDatabaseAsync("version"));
        using var client = api.CreateClient();

        using var response = await client.GetAsync("/version", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"version":"dev","commit":"unknown"}""",
            await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Unreachable_database_keeps_alive_200_and_health_503_until_it_appears_then_200_without_restart()
    {
        await using var later = DeferredPostgres.Prepare(postgres);
        var connectionString =
            new NpgsqlConnectionStringBuilder(later.ConnectionString) { Database = "inventorydb" }.ConnectionString;
        await using var api = new ApiFactory(connectionString);
        using var client = api.CreateClient();

        for (var i = 0; i < 10; i++)
        {
            using var alive = await client.GetAsync("/alive", TestContext.Current.CancellationToken);
            using var health = await client.GetAsync("/health", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            // Only the overall status: no connection string, host, exception type or message.
            Assert.Equal("Unhealthy", await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        await later.StartAsync();

        await api.WaitForStatusAsync("/health", HttpStatusCode.OK, Patience);
    }

    [Fact]
    public async Task Migration_waits_for_the_advisory_lock_another_instance_holds()
    {
        var connectionString = await postgres.CreateDatabaseAsync("lock");
        await using var holder = new NpgsqlConnection(connectionString);
        await holder.OpenAsync(TestContext.Current.CancellationToken);
        await using (var take =
            new NpgsqlCommand($"SELECT pg_advisory_lock({DatabaseMigrator.MigrationLockKey})", holder))
        {
            await take.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await using var api = new ApiFactory(connectionString);
        using var client = api.CreateClient();
        await api.WaitForStatusAsync("/alive", HttpStatusCode.OK, Patience);
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        using (var health = await client.GetAsync("/health", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        }
        Assert.False(await TableExistsAsync(holder, "__EFMigrationsHistory"),
            "Migrated while another instance held the lock.");

        await using (var release =
            new NpgsqlCommand($"SELECT pg_advisory_unlock({DatabaseMigrator.MigrationLockKey})", holder))
        {
            await release.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await api.WaitForStatusAsync("/health", HttpStatusCode.OK, Patience);
        Assert.True(await TableExistsAsync(holder, "__EFMigrationsHistory"));
    }

    [Fact]
    public async Task Once_migrated_no_pooled_connection_of_the_api_keeps_the_migration_lock()
    {
        // The API's pool does not reset connections on return (DatabaseExtensions.WithPoolDefaults), so a lock left on
        // one would stay held for as long as the pool keeps it open and block every later deploy's migration.
        var connectionString = await postgres.CreateDatabaseAsync("unlocked");
        await using var api = new ApiFactory(connectionString);
        await api.WaitForStatusAsync("/health", HttpStatusCode.OK, Patience);
        using (var client = api.CreateClient())
        using (var served = await client.GetAsync("/health", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        await using var other = new NpgsqlConnection(connectionString);
        await other.OpenAsync(TestContext.Current.CancellationToken);
        await using var tryLock =
            new NpgsqlCommand($"SELECT pg_try_advisory_lock({DatabaseMigrator.MigrationLockKey})", other);
        Assert.True((bool)(await tryLock.ExecuteScalarAsync(TestContext.Current.CancellationToken))!,
            "A connection of the API still holds the migration lock.");
    }

    [Theory]
    [InlineData("Host=db;Database=x", 32, true)]
    [InlineData("Host=db;Database=x;Max Auto Prepare=0", 0, true)]
    [InlineData("Host=db;Database=x;No Reset On Close=false", 32, false)]
    public void The_pool_prepares_statements_and_skips_the_reset_unless_the_connection_string_says_otherwise(
        string given, int maxAutoPrepare, bool noResetOnClose)
    {
        var effective = new NpgsqlConnectionStringBuilder(DatabaseExtensions.WithPoolDefaults(given));

        Assert.Equal(maxAutoPrepare, effective.MaxAutoPrepare);
        Assert.Equal(noResetOnClose, effective.NoResetOnClose);
        Assert.Equal("db", effective.Host);
    }

    [Fact]
    public async Task Two_instances_starting_together_on_an_empty_database_both_become_healthy()
    {
        var connectionString = await postgres.CreateDatabaseAsync("twins");
        await using var first = new ApiFactory(connectionString);
        await using var second = new ApiFactory(connectionString);

        await Task.WhenAll(
            first.WaitForStatusAsync("/health", HttpStatusCode.OK, Patience),
            second.WaitForStatusAsync("/health", HttpStatusCode.OK, Patience));

        using var scope = first.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        Assert.Equal(db.Database.GetMigrations(),
            await db.Database.GetAppliedMigrationsAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_failing_migration_stops_the_process_with_one_clear_log_line()
    {
        var connectionString = await postgres.CreateDatabaseAsync("broken");
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            // A table the first migration also creates: CREATE TABLE fails with 42P07.
            await using var command = new NpgsqlCommand("CREATE TABLE items (unexpected int)", connection);
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var result = await ApiProcess.RunUntilExitAsync(connectionString);

        Assert.Equal(1, result.ExitCode);
        var failures = result.Output.Split('\n').Where(
            l => l.Contains("Database migration failed", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(failures);
        Assert.Contains("crit", line, StringComparison.Ordinal);
        Assert.Contains("42P07", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", result.Output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
    }

    private static async Task<bool> TableExistsAsync(NpgsqlConnection connection, string table)
    {
        await using var command = new NpgsqlCommand("SELECT to_regclass(@name) IS NOT NULL", connection);
        command.Parameters.AddWithValue("name", $"public.\"{table}\"");
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
