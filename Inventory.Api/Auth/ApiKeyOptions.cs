namespace Inventory.Api.Auth;

/// <summary>
/// API keys, from configuration <c>Auth:ApiKeys:N:Name|Role|Sha256</c> (env <c>Auth__ApiKeys__0__Name=…</c>).
/// Only the SHA-256 of each key is configured; the key itself never reaches the server's configuration.
/// </summary>
public sealed class ApiKeyOptions
{
    public const string Section = "Auth";

    public List<ApiKeyEntry> ApiKeys { get; init; } = [];
}
