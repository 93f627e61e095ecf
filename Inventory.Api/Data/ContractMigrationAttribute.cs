namespace Inventory.Api.Data;

/// <summary>
/// Marks a migration that removes what an older build still uses (drops or renames a table or column, or makes a
/// column NOT NULL that older builds may leave empty). Without this mark such a migration fails the schema rules test;
/// with it, the migration's <c>Up</c> must call <see cref="SchemaCompatibility.RecordContract"/>, so that a build too
/// old for the new shape refuses to start instead of answering 500s. See "Changing the schema" in
/// Inventory.Api/README.md.
/// </summary>
/// <param name="reason">Why the contract is safe now: which release stopped using what it removes.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ContractMigrationAttribute(string reason) : Attribute
{
    public string Reason { get; } = string.IsNullOrWhiteSpace(reason)
        ? throw new ArgumentException("A contract migration must say why it is safe.", nameof(reason))
        : reason;

    /// <summary>
    /// The newest migration of the oldest build that can still run after this contract (that build no longer uses
    /// what is removed). Defaults to the contract migration itself: only builds that contain it may run.
    /// </summary>
    public string? OldestCompatibleMigration { get; init; }
}
