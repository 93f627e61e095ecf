namespace Inventory.Api.Http;

/// <summary>
/// Endpoint metadata: the largest request body this endpoint accepts (else 413; a wrong Content-Type is 415).
/// </summary>
public sealed record RequestBodyLimit(long Bytes)
{
    /// <summary>For JSON commands: far above any valid request, small enough that a flood costs little.</summary>
    public static readonly RequestBodyLimit Json = new(64 * 1024);
}
