using Inventory.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inventory.Tests.Schema;

/// <summary>
/// Every committed migration keeps expand/contract, and the rules catch each kind of breaking change (shown with
/// migrations defined here, never committed ones). No database: only the migrations' operations are read.
/// </summary>
public sealed class MigrationRulesTests
{
    [Fact]
    public void Every_committed_migration_is_additive_or_a_recorded_contract()
    {
        using var db = new InventoryDbContext(new DbContextOptionsBuilder<InventoryDbContext>()
            .UseNpgsql("Host=unused").Options);
        var migrations = db.GetService<IMigrationsAssembly>();
        Assert.NotEmpty(migrations.Migrations);

        var violations = migrations.Migrations.Values
            .SelectMany(type => MigrationRules.Violations(migrations.CreateMigration(type, db.Database.ProviderName!)))
            .ToList();

        Assert.Empty(violations);
    }

    [Theory]
    [InlineData(typeof(DropsATable), "drops the table items")]
    [InlineData(typeof(RenamesATable), "renames the table items to goods")]
    [InlineData(typeof(DropsAColumn), "drops the column items.name")]
    [InlineData(typeof(RenamesAColumn), "renames the column items.name to title")]
    [InlineData(typeof(AddsANotNullColumnWithoutDefault), "adds the NOT NULL column items.colour without a default")]
    [InlineData(typeof(MakesAColumnNotNull), "makes the column items.colour NOT NULL")]
    public void A_breaking_migration_without_the_contract_mark_is_refused(Type migration, string what)
    {
        var violation = Assert.Single(MigrationRules.Violations((Migration)Activator.CreateInstance(migration)!));

        Assert.Contains(what, violation, StringComparison.Ordinal);
        Assert.Contains("[ContractMigration(", violation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(typeof(AddsANullableColumn))]
    [InlineData(typeof(AddsANotNullColumnWithDefault))]
    [InlineData(typeof(MakesAColumnNullable))]
    [InlineData(typeof(DropsAColumnAsARecordedContract))]
    public void Additive_migrations_and_recorded_contracts_pass(Type migration) =>
        Assert.Empty(MigrationRules.Violations((Migration)Activator.CreateInstance(migration)!));

    [Fact]
    public void A_contract_mark_without_the_compatibility_record_is_refused()
    {
        var violation = Assert.Single(MigrationRules.Violations(new DropsAColumnAsAnUnrecordedContract()));

        Assert.Contains("RecordContract(this)", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_contract_needs_a_reason() =>
        Assert.Throws<ArgumentException>(() => new ContractMigrationAttribute(" "));

    private sealed class DropsATable : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable("items");
    }

    private sealed class RenamesATable : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.RenameTable("items", newName: "goods");
    }

    private sealed class DropsAColumn : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.DropColumn("name", "items");
    }

    private sealed class RenamesAColumn : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.RenameColumn("name", "items", "title");
    }

    private sealed class AddsANotNullColumnWithoutDefault : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.AddColumn<string>("colour", "items", nullable: false);
    }

    private sealed class MakesAColumnNotNull : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.AlterColumn<string>("colour", "items", nullable: false, oldNullable: true);
    }

    private sealed class AddsANullableColumn : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.AddColumn<string>("colour", "items", nullable: true);
    }

    private sealed class AddsANotNullColumnWithDefault : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.AddColumn<string>("colour", "items", nullable: false, defaultValue: "");
    }

    private sealed class MakesAColumnNullable : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.AlterColumn<string>("colour", "items", nullable: true, oldNullable: false);
    }

    [ContractMigration("items.name unused since the build that reads items.title")]
    [Migration("29990101000000_DropItemName")]
    private sealed class DropsAColumnAsARecordedContract : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn("name", "items");
            migrationBuilder.RecordContract(this);
        }
    }

    [ContractMigration("items.name unused since the build that reads items.title")]
    private sealed class DropsAColumnAsAnUnrecordedContract : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.DropColumn("name", "items");
    }
}
