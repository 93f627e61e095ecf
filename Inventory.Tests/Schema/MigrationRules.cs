using System.Reflection;
using Inventory.Api.Data;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;

namespace Inventory.Tests.Schema;

/// <summary>
/// Expand/contract, checked on a migration's operations: a migration may only add what the previous build can ignore,
/// unless it is a <see cref="ContractMigrationAttribute"/> migration that records the contract
/// (<see cref="SchemaCompatibility.RecordContract"/>). See "Changing the schema" in Inventory.Api/README.md.
/// </summary>
internal static class MigrationRules
{
    /// <summary>Each rule <paramref name="migration"/> breaks, as one sentence; empty when it keeps them all.</summary>
    public static IReadOnlyList<string> Violations(Migration migration)
    {
        var name = migration.GetType().Name;
        var contract = migration.GetType().GetCustomAttribute<ContractMigrationAttribute>();
        var operations = migration.UpOperations;
        if (contract is not null)
        {
            return operations.Any(IsContractRecord)
                ? []
                : [$"{name} is a [ContractMigration] but its Up does not call migrationBuilder.RecordContract(this)"];
        }
        return operations.Select(Breaking).OfType<string>()
            .Select(what => $"{name} {what}, which breaks the build still running on the schema: make it additive, "
                + "or mark it [ContractMigration(\"why\")] and call migrationBuilder.RecordContract(this)")
            .ToList();
    }

    /// <summary>What an operation removes from the previous build's schema; null when it only adds.</summary>
    private static string? Breaking(MigrationOperation operation) => operation switch
    {
        DropTableOperation drop => $"drops the table {drop.Name}",
        RenameTableOperation rename => $"renames the table {rename.Name} to {rename.NewName ?? rename.Name}",
        DropColumnOperation drop => $"drops the column {drop.Table}.{drop.Name}",
        RenameColumnOperation rename => $"renames the column {rename.Table}.{rename.Name} to {rename.NewName}",
        AddColumnOperation add when !add.IsNullable && !HasDefault(add) =>
            $"adds the NOT NULL column {add.Table}.{add.Name} without a default",
        AlterColumnOperation alter when !alter.IsNullable && alter.OldColumn.IsNullable =>
            $"makes the column {alter.Table}.{alter.Name} NOT NULL",
        _ => null,
    };

    private static bool HasDefault(ColumnOperation column) =>
        column.DefaultValue is not null || column.DefaultValueSql is not null || column.ComputedColumnSql is not null;

    private static bool IsContractRecord(MigrationOperation operation) =>
        operation is SqlOperation sql
        && sql.Sql.StartsWith(SchemaCompatibility.RecordStatementStart, StringComparison.Ordinal);
}
