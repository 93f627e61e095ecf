using Inventory.Api.Data;
using Inventory.Tests.Infrastructure.ApiTests;
using Npgsql;

namespace Inventory.Tests.Api;

/// <summary>
/// The schema-compatibility record on real PostgreSQL: a build older than the last contract stops at start-up with
/// one clear line and changes nothing; a build the record allows runs; the record never goes down.
/// </summary>
public sealed class SchemaCompatibilityTests(PostgresServer postgres)
{
    private const string FutureContract = "29990101000000_DropSomethingOldBuildsRead";

    [Fact]
    public async Task A_build_older_than_the_last_contract_stops_with_one_clear_line_and_migrates_nothing()
    {
        var connectionString = await postgres.CreateDatabaseAsync("contracted");
        await ExecuteAsync(connectionString, SchemaCompatibility.RecordSql(FutureContract));

        var result = await ApiProcess.RunUntilExitAsync(connectionString);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Output.Split('\n'),
            l => l.Contains("cannot run on the database's schema", StringComparison.Ordinal));
        Assert.Contains("crit", line, StringComparison.Ordinal);
        Assert.Contains(FutureContract, line, StringComparison.Ordinal);
        Assert.Contains("deploy a newer build", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
        Assert.False(await ScalarAsync<bool>(connectionString, "SELECT to_regclass('items') IS NOT NULL"));
    }

    [Fact]
    public async Task A_build_that_contains_the_contracted_migration_runs()
    {
        var connectionString = await postgres.CreateDatabaseAsync("compatible");
        await using (var first = new ApiFactory(connectionString))
        {
            await first.WaitForStatusAsync("/health", HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        }
        var newest = await ScalarAsync<string>(connectionString,
            "SELECT max(\"MigrationId\" COLLATE \"C\") FROM \"__EFMigrationsHistory\"");
        await ExecuteAsync(connectionString, SchemaCompatibility.RecordSql(newest));

        await using var api = new ApiFactory(connectionString);

        await api.WaitForStatusAsync("/health", HttpStatusCode.OK, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task The_record_never_goes_back_to_an_older_build()
    {
        var connectionString = await postgres.CreateDatabaseAsync("record");

        await ExecuteAsync(connectionString, SchemaCompatibility.RecordSql(FutureContract));
        await ExecuteAsync(connectionString, SchemaCompatibility.RecordSql("20000101000000_Older"));

        Assert.Equal(FutureContract, await ScalarAsync<string>(connectionString,
            $"SELECT oldest_app_migration FROM {SchemaCompatibility.Table}"));
    }

    private static async Task ExecuteAsync(string connectionString, string sql) =>
        await ScalarAsync<object>(connectionString, sql);

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
