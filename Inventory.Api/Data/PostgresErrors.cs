using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Inventory.Api.Data;

/// <summary>What a PostgreSQL failure means to the API, read from its SQLSTATE.</summary>
internal static class PostgresErrors
{
    /// <summary>A unique index refused the row (a SKU or location code that is taken).</summary>
    public static bool IsUniqueViolation(DbUpdateException ex) =>
        ex.GetBaseException() is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    /// <summary>A lock conflict that running the transaction again from scratch resolves.</summary>
    public static bool IsRetryable(Exception ex) =>
        ex.GetBaseException() is PostgresException
        {
            SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure,
        };
}
