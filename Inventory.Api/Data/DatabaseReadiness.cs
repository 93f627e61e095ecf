namespace Inventory.Api.Data;

/// <summary>
/// Whether this process has applied every migration. Set once by <see cref="DatabaseMigrator"/>;
/// the readiness probe (<c>/health</c>) stays 503 until then.
/// </summary>
public sealed class DatabaseReadiness
{
    private volatile bool _migrated;

    public bool IsMigrated => _migrated;

    public void MarkMigrated() => _migrated = true;
}
