using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inventory.Api.Data;

/// <summary>
/// The schema-compatibility record: one row naming the oldest app schema (the newest migration a build contains)
/// that can still run on this database. Contract migrations raise it, in their own transaction; a build whose newest
/// migration sorts before it stops at start-up (see <see cref="DatabaseMigrator"/>), so a rollback to a build that
/// needs the old shape fails the deploy's health gate instead of answering 500s.
/// </summary>
/// <remarks>
/// Kept out of the EF model on purpose: builds older than this record never read it, and later builds must be able to
/// read it whatever their model looks like.
/// </remarks>
public static class SchemaCompatibility
{
    public const string Table = "schema_compatibility";

    /// <summary>The statement a contract migration runs; the schema rules test looks for it.</summary>
    internal const string RecordStatementStart = "-- schema compatibility record";

    /// <summary>
    /// Raises the record to the contract's <see cref="ContractMigrationAttribute.OldestCompatibleMigration"/> (or the
    /// migration's own id); never lowers it. Call it from the <c>Up</c> of a <see cref="ContractMigrationAttribute"/>
    /// migration.
    /// </summary>
    public static void RecordContract(this MigrationBuilder migrationBuilder, Migration migration)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        ArgumentNullException.ThrowIfNull(migration);
        var type = migration.GetType();
        var contract = type.GetCustomAttribute<ContractMigrationAttribute>()
            ?? throw new InvalidOperationException($"{type.Name} records a contract but has no [ContractMigration].");
        var oldest = contract.OldestCompatibleMigration ?? IdOf(type);
        migrationBuilder.Sql(RecordSql(oldest));
    }

    internal static string RecordSql(string oldestCompatibleMigration)
    {
        var literal = oldestCompatibleMigration.Replace("'", "''", StringComparison.Ordinal);
        return $"""
            {RecordStatementStart}
            CREATE TABLE IF NOT EXISTS {Table} (
                id integer PRIMARY KEY CHECK (id = 1),
                oldest_app_migration text NOT NULL);
            INSERT INTO {Table} (id, oldest_app_migration) VALUES (1, '{literal}')
            ON CONFLICT (id) DO UPDATE SET oldest_app_migration =
                GREATEST({Table}.oldest_app_migration COLLATE "C", EXCLUDED.oldest_app_migration COLLATE "C");
            """;
    }

    /// <summary>
    /// Null when this build can run on the database; else the reason it cannot. Migration ids start with a UTC
    /// timestamp, so they compare in order as plain (ordinal) strings.
    /// </summary>
    internal static async Task<string?> IncompatibilityAsync(InventoryDbContext db, CancellationToken ct)
    {
        var exists = await db.Database
            .SqlQuery<bool>($"SELECT to_regclass({Table}) IS NOT NULL AS \"Value\"")
            .SingleAsync(ct);
        if (!exists)
        {
            return null;
        }
        var oldest = await db.Database
            .SqlQueryRaw<string>($"SELECT oldest_app_migration AS \"Value\" FROM {Table} WHERE id = 1")
            .SingleOrDefaultAsync(ct);
        var newest = db.Database.GetMigrations().LastOrDefault() ?? "";
        return oldest is not null && string.CompareOrdinal(newest, oldest) < 0
            ? $"the database's schema was contracted for builds with migration {oldest} or later, and this build's "
                + $"newest migration is {newest}: deploy a newer build (a rollback this far back is not possible "
                + "without restoring a backup)"
            : null;
    }

    private static string IdOf(Type migrationType) =>
        migrationType.GetCustomAttribute<MigrationAttribute>()?.Id
            ?? throw new InvalidOperationException($"{migrationType.Name} has no [Migration] id.");
}
