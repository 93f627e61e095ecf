// The baseline's request and response shapes, and their source-generated JSON. Included by Baseline.cs.
using System.Text.Json;
using System.Text.Json.Serialization;

internal sealed record Cursor(
    [property: JsonPropertyName("s")] string Scope,
    [property: JsonPropertyName("k")] string Key,
    [property: JsonPropertyName("i")] long Id);

internal sealed record IssueRequest(string? Sku, string? Location, long Quantity, string? Reason, string? Reference);

internal sealed record Movement(long Id, string Type, string Sku, string? Location, string? FromLocation,
    string? ToLocation, long Quantity, long? CountedQuantity, long OnHandAfter, long? ToOnHandAfter, string Actor,
    DateTimeOffset At, string? Reason, string? Reference);

internal sealed record InsufficientStock(string Type, string Title, int Status, string Detail, string Instance,
    long Available, long Requested, string TraceId);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Cursor))]
[JsonSerializable(typeof(IssueRequest))]
[JsonSerializable(typeof(Movement))]
[JsonSerializable(typeof(InsufficientStock))]
internal sealed partial class BaselineJson : JsonSerializerContext;
