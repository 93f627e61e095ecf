// The benchmark's raw baseline: the practical ceiling of this stack (Kestrel + Npgsql on .NET 10) for three of the
// Inventory API's routes, with hand-written SQL on the API's own tables. It does the same work as the API for
// `GET /api/items` (first page and keyset cursor), `GET /api/items/{sku}` and `POST /api/stock/issues`: the same
// X-Api-Key check (SHA-256 of the key, compared in constant time), the same statements and row locks, the same
// transaction, the same JSON shape, the same pool settings (automatic statement preparation, no reset on close). It
// leaves out what a product needs and a ceiling does not: rate limiting, OpenAPI metadata, validation beyond the
// basics, idempotency, telemetry, logging.
//
//   BASELINE_CONNECTION_STRING=… BASELINE_API_KEY_SHA256=<hex> ASPNETCORE_URLS=http://127.0.0.1:PORT \
//     dotnet run -c Release bench/baseline/Baseline.cs
//
// bench/run.sh builds and starts it; nothing else uses it.
#:sdk Microsoft.NET.Sdk.Web
#:package Npgsql@10.0.3
#:property PublishAot=false

using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BaselineJson.Default));

var connectionString = Required("BASELINE_CONNECTION_STRING");
var keyHash = Convert.FromHexString(Required("BASELINE_API_KEY_SHA256"));
// Prepared statements and no reset of a connection handed back to the pool, as the API's own pool has them
// (Inventory.Api/Data/DatabaseExtensions.cs).
var dataSource = new NpgsqlDataSourceBuilder(connectionString);
dataSource.ConnectionStringBuilder.MaxAutoPrepare = 32;
dataSource.ConnectionStringBuilder.NoResetOnClose = true;
await using var database = dataSource.Build();

var app = builder.Build();
var items = new ItemsBaseline(database);
var stock = new StockBaseline(database);
app.MapGet("/health", () => "Healthy");
app.MapGet("/api/items", (HttpContext http) => Authorized(http) ? items.ListAsync(http) : Unauthorized(http));
app.MapGet("/api/items/{sku}", (HttpContext http, string sku) => Authorized(http) ? items.GetAsync(http, sku) : Unauthorized(http));
app.MapPost("/api/stock/issues", (HttpContext http) => Authorized(http) ? stock.IssueAsync(http) : Unauthorized(http));
await app.RunAsync();

string Required(string name) =>
    Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : throw new InvalidOperationException($"{name} is required");

bool Authorized(HttpContext http)
{
    if (!http.Request.Headers.TryGetValue("X-Api-Key", out var values) || values.Count != 1 || string.IsNullOrEmpty(values[0]))
    {
        return false;
    }
    Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
    SHA256.HashData(Encoding.UTF8.GetBytes(values[0]!), hash);
    return CryptographicOperations.FixedTimeEquals(hash, keyHash);
}

static Task Unauthorized(HttpContext http)
{
    http.Response.StatusCode = StatusCodes.Status401Unauthorized;
    return Task.CompletedTask;
}

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
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)after?.Key ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
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
                next = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new Cursor(Scope, lastKey, lastId), BaselineJson.Default.Cursor));
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
        var item = (Sku: reader.GetString(1), Name: reader.GetString(2), Description: Nullable(reader, 3), Category: Nullable(reader, 4),
            Unit: reader.GetString(5), ReorderPoint: reader.GetInt32(6), Archived: reader.GetBoolean(7),
            CreatedAt: reader.GetFieldValue<DateTimeOffset>(8), UpdatedAt: reader.GetFieldValue<DateTimeOffset>(9));
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

    private static string? Nullable(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static void WriteNullableString(Utf8JsonWriter json, string name, NpgsqlDataReader reader, int ordinal) =>
        json.WriteString(name, Nullable(reader, ordinal));
}

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

    private const string QuantitySql = "SELECT COALESCE((SELECT quantity FROM stock_levels WHERE item_id = $1 AND location_id = $2), 0)";

    public async Task IssueAsync(HttpContext http)
    {
        var request = await http.Request.ReadFromJsonAsync(BaselineJson.Default.IssueRequest, http.RequestAborted);
        if (request is not { Sku.Length: > 0 and <= 64, Location.Length: > 0 and <= 64, Quantity: >= 1 and <= 1_000_000_000 })
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var ct = http.RequestAborted;
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
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
            (itemId, sku, locationId, location) = (reader.GetInt64(0), reader.GetString(1), reader.GetInt64(3), reader.GetString(4));
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
        issue.Parameters.Add(new NpgsqlParameter { Value = (object?)request.Reason ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        issue.Parameters.Add(new NpgsqlParameter { Value = (object?)request.Reference ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
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
                http.Request.Path, available, request.Quantity, http.TraceIdentifier), BaselineJson.Default.InsufficientStock);
            return;
        }

        await transaction.CommitAsync(ct);
        await WriteAsync(http, StatusCodes.Status201Created, "application/json", new Movement(id.Value, "issue", sku, location, null, null,
            request.Quantity, null, onHandAfter!.Value, null, actor, at, request.Reason, request.Reference), BaselineJson.Default.Movement);
    }

    private static async Task WriteAsync<T>(HttpContext http, int status, string contentType, T body,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = $"{contentType}; charset=utf-8";
        await JsonSerializer.SerializeAsync(http.Response.Body, body, type, http.RequestAborted);
    }
}

internal sealed record Cursor([property: JsonPropertyName("s")] string Scope, [property: JsonPropertyName("k")] string Key,
    [property: JsonPropertyName("i")] long Id);

internal sealed record IssueRequest(string? Sku, string? Location, long Quantity, string? Reason, string? Reference);

internal sealed record Movement(long Id, string Type, string Sku, string? Location, string? FromLocation, string? ToLocation,
    long Quantity, long? CountedQuantity, long OnHandAfter, long? ToOnHandAfter, string Actor, DateTimeOffset At, string? Reason,
    string? Reference);

internal sealed record InsufficientStock(string Type, string Title, int Status, string Detail, string Instance, long Available,
    long Requested, string TraceId);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Cursor))]
[JsonSerializable(typeof(IssueRequest))]
[JsonSerializable(typeof(Movement))]
[JsonSerializable(typeof(InsufficientStock))]
internal sealed partial class BaselineJson : JsonSerializerContext;
