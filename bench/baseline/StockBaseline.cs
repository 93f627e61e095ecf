// The baseline's POST /api/stock/issues, with the API's statements, locks and answers. Included by Baseline.cs.
using System.Text.Json;
using Npgsql;

internal sealed class StockBaseline(NpgsqlDataSource database)
{
    // The API's statements and locks: FOR KEY SHARE on the item (so archiving cannot interleave), then one statement
    // that decrements only when enough is on hand and appends the movement only when it did.
    private const string TargetSql = """
        SELECT i.id, i.sku, i.archived, l.id, l.code
        FROM items i LEFT JOIN locations l ON l.code_key = $2
        WHERE i.sku_key = $1
        FOR KEY SHARE OF i
        """;

    private const string IssueSql = """
        WITH changed AS (
            UPDATE stock_levels SET quantity = quantity - $1
            WHERE item_id = $2 AND location_id = $3 AND quantity >= $1
            RETURNING quantity)
        INSERT INTO stock_movements (type, item_id, location_id, quantity, on_hand_after, actor, at, reason, reference)
        SELECT 'issue', $2, $3, $1, changed.quantity, $4, $5, $6, $7
        FROM changed
        RETURNING id, on_hand_after
        """;

    private const string QuantitySql =
        "SELECT COALESCE((SELECT quantity FROM stock_levels WHERE item_id = $1 AND location_id = $2), 0)";

    public async Task IssueAsync(HttpContext http)
    {
        var request = await http.Request.ReadFromJsonAsync(BaselineJson.Default.IssueRequest, http.RequestAborted);
        if (request is not
            { Sku.Length: > 0 and <= 64, Location.Length: > 0 and <= 64, Quantity: >= 1 and <= 1_000_000_000 })
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var ct = http.RequestAborted;
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction =
            await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
        long itemId, locationId;
        string sku, location;
        await using (var target = new NpgsqlCommand(TargetSql, connection, transaction))
        {
            target.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Sku.ToLowerInvariant() });
            target.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Location.ToLowerInvariant() });
            await using var reader = await target.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct) || reader.GetBoolean(2) || reader.IsDBNull(3))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            (itemId, sku, locationId, location) =
                (reader.GetInt64(0), reader.GetString(1), reader.GetInt64(3), reader.GetString(4));
        }

        var now = DateTimeOffset.UtcNow;
        var at = now.AddTicks(-(now.Ticks % 10));
        var actor = "bench";
        await using var issue = new NpgsqlCommand(IssueSql, connection, transaction);
        issue.Parameters.Add(new NpgsqlParameter<long> { TypedValue = request.Quantity });
        issue.Parameters.Add(new NpgsqlParameter<long> { TypedValue = itemId });
        issue.Parameters.Add(new NpgsqlParameter<long> { TypedValue = locationId });
        issue.Parameters.Add(new NpgsqlParameter<string> { TypedValue = actor });
        issue.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
        issue.Parameters.Add(NullableText(request.Reason));
        issue.Parameters.Add(NullableText(request.Reference));
        long? id = null, onHandAfter = null;
        await using (var reader = await issue.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                (id, onHandAfter) = (reader.GetInt64(0), reader.GetInt64(1));
            }
        }

        if (id is null)
        {
            await using var quantity = new NpgsqlCommand(QuantitySql, connection, transaction);
            quantity.Parameters.Add(new NpgsqlParameter<long> { TypedValue = itemId });
            quantity.Parameters.Add(new NpgsqlParameter<long> { TypedValue = locationId });
            var available = (long)(await quantity.ExecuteScalarAsync(ct))!;
            await transaction.CommitAsync(ct);
            await WriteAsync(http, StatusCodes.Status409Conflict, "application/problem+json", new InsufficientStock(
                "urn:inventory:problem:insufficient-stock", "Not enough stock", 409,
                $"Location '{location}' holds {available} of '{sku}', fewer than the {request.Quantity} requested.",
                http.Request.Path, available, request.Quantity, http.TraceIdentifier),
                BaselineJson.Default.InsufficientStock);
            return;
        }

        await transaction.CommitAsync(ct);
        await WriteAsync(http, StatusCodes.Status201Created, "application/json",
            new Movement(id.Value, "issue", sku, location, null, null, request.Quantity, null, onHandAfter!.Value, null,
                actor, at, request.Reason, request.Reference),
            BaselineJson.Default.Movement);
    }

    private static NpgsqlParameter NullableText(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };

    private static async Task WriteAsync<T>(HttpContext http, int status, string contentType, T body,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = $"{contentType}; charset=utf-8";
        await JsonSerializer.SerializeAsync(http.Response.Body, body, type, http.RequestAborted);
    }
}
