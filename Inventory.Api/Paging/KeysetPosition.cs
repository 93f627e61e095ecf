using System.Text.Json.Serialization;

namespace Inventory.Api.Paging;

/// <summary>Where the next page starts: after the row with this sort key and id.</summary>
public sealed record KeysetPosition(
    [property: JsonPropertyName("s")] string Scope,
    [property: JsonPropertyName("k")] string Key,
    [property: JsonPropertyName("i")] long Id);