// The baseline's item reads, GET /api/items (first page and keyset cursor) and GET /api/items/{sku}, as the API
// answers them. Included by Baseline.cs.
using System.Buffers.Text;
using System.Text.Json;
using Npgsql;

internal sealed class ItemsBaseline(NpgsqlDataSource database)
{
    private const string Scope = "items:sku";

    // Keyset paging as written by hand: a row comparison, so the scan starts at the cursor in the sku_key index.
    private const string ListSql = """
        SELECT i.id, i.sku, i.name, i.category, i.unit, i.reorder_point, i.archived,
               (SELECT COALESCE(sum(s.quantity), 0)::bigint FROM stock_levels s WHERE s.item_id = i.id),
               i.updated_at, i.sku_key
        FROM items i
        WHERE NOT i.archived AND ($2::text IS NULL OR (i.sku_key, i.id) > ($2, $3))
        ORDER BY i.sku_key, i.id
        LIMIT $1
        """;

    // One round trip: the item with its non-empty stock rows; on hand is their sum (quantities are never negative).
    private const string GetSql = """
        SELECT i.xmin, i.sku, i.name, i.description, i.category, i.unit, i.reorder_point, i.archived, i.created_at,
               i.updated_at, l.code, s.quantity
        FROM items i
        LEFT JOIN stock_levels s ON s.item_id = i.id AND s.quantity > 0
        LEFT JOIN locations l ON l.id = s.location_id
        WHERE i.sku_key = $1
        ORDER BY l.code_key
        """;

    public async Task ListAsync(HttpContext http)
    {
        var query = http.Request.Query;
        var limit = int.TryParse(query["limit"], out var l) && l is >= 1 and <= 200 ? l : 50;
        Cursor? after = null;
        if (query["cursor"] is { Count: 1 } cursor)
        {
            after = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(cursor[0]), BaselineJson.Default.Cursor);
            if (after is null || after.Scope != Scope)
            {
                http.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
        }

        await using var command = database.CreateCommand(ListSql);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit + 1 });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = (object?)after?.Key ?? DBNull.Value,
            NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text,
        });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after?.Id ?? 0 });
        await using var reader = await command.ExecuteReaderAsync(http.RequestAborted);

        http.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(http.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteStartArray("items");
        var count = 0;
        string? next = null;
        long lastId = 0;
        string lastKey = "";
        while (await reader.ReadAsync(http.RequestAborted))
        {
            if (++count > limit)
            {
                var last = new Cursor(Scope, lastKey, lastId);
                next = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(last, BaselineJson.Default.Cursor));
                break;
            }
            lastId = reader.GetInt64(0);
            lastKey = reader.GetString(9);
            json.WriteStartObject();
            json.WriteString("sku", reader.GetString(1));
            json.WriteString("name", reader.GetString(2));
            WriteNullableString(json, "category", reader, 3);
            json.WriteString("unit", reader.GetString(4));
            json.WriteNumber("reorderPoint", reader.GetInt32(5));
            json.WriteBoolean("archived", reader.GetBoolean(6));
            json.WriteNumber("onHand", reader.GetInt64(7));
            json.WriteString("updatedAt", reader.GetFieldValue<DateTimeOffset>(8));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteString("nextCursor", next);
        json.WriteEndObject();
    }

    public async Task GetAsync(HttpContext http, string sku)
    {
        await using var command = database.CreateCommand(GetSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sku.ToLowerInvariant() });
        await using var reader = await command.ExecuteReaderAsync(http.RequestAborted);
        if (!await reader.ReadAsync(http.RequestAborted))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        // The stock rows come first in the reader but after the item's fields in the JSON: collect them, then write.
        var version = reader.GetFieldValue<uint>(0);
        var item = (Sku: reader.GetString(1), Name: reader.GetString(2), Description: Nullable(reader, 3),
            Category: Nullable(reader, 4), Unit: reader.GetString(5), ReorderPoint: reader.GetInt32(6),
            Archived: reader.GetBoolean(7), CreatedAt: reader.GetFieldValue<DateTimeOffset>(8),
            UpdatedAt: reader.GetFieldValue<DateTimeOffset>(9));
        var stock = new List<(string Location, long Quantity)>(5);
        long onHand = 0;
        do
        {
            if (!reader.IsDBNull(10))
            {
                var quantity = reader.GetInt64(11);
                stock.Add((reader.GetString(10), quantity));
                onHand += quantity;
            }
        }
        while (await reader.ReadAsync(http.RequestAborted));

        http.Response.Headers.ETag = $"\"{version}\"";
        http.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(http.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteString("sku", item.Sku);
        json.WriteString("name", item.Name);
        json.WriteString("description", item.Description);
        json.WriteString("category", item.Category);
        json.WriteString("unit", item.Unit);
        json.WriteNumber("reorderPoint", item.ReorderPoint);
        json.WriteBoolean("archived", item.Archived);
        json.WriteNumber("onHand", onHand);
        json.WriteStartArray("stock");
        foreach (var (location, quantity) in stock)
        {
            json.WriteStartObject();
            json.WriteString("location", location);
            json.WriteNumber("quantity", quantity);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteString("createdAt", item.CreatedAt);
        json.WriteString("updatedAt", item.UpdatedAt);
        json.WriteEndObject();
    }

    private static string? Nullable(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static void WriteNullableString(Utf8JsonWriter json, string name, NpgsqlDataReader reader, int ordinal) =>
        json.WriteString(name, Nullable(reader, ordinal));
}
