namespace Inventory.Api.Stock;

/// <summary>An answer given once, replayed byte for byte.</summary>
public sealed record StoredResponse(int StatusCode, string ContentType, string Body);