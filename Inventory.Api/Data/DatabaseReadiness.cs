namespace Inventory.Api.Data;

/// <summary>
/// Whether this process has applied every migration. Set once by <see cref="DatabaseMigrator"/>;
/// the readiness probe (<c>/health</c>) stays 503 until then.
/// </summary>
public sealed class DatabaseReadiness
{
    private readonly TaskCompletionSource _migrated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsMigrated => _migrated.Task.IsCompleted;

    /// <summary>Completes when <see cref="MarkMigrated"/> is called: what waits for the schema awaits it.</summary>
    public Task Migrated => _migrated.Task;

    public void MarkMigrated() => _migrated.TrySetResult();
}
