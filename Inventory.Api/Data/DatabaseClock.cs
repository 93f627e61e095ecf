namespace Inventory.Api.Data;

internal static class DatabaseClock
{
    /// <summary>
    /// Now, cut to PostgreSQL's microsecond precision, so a timestamp in a response equals the one read back later
    /// (and an idempotent replay equals what a GET shows).
    /// </summary>
    public static DateTimeOffset DatabaseNow(this TimeProvider time)
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % 10));
    }
}
