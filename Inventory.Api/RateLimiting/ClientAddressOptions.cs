namespace Inventory.Api.RateLimiting;

/// <summary>
/// The proxies whose <c>X-Forwarded-For</c> names the client (section <c>ForwardedHeaders</c>): addresses in
/// <see cref="KnownProxies"/> and CIDR networks in <see cref="KnownNetworks"/>, besides the loopback the framework
/// trusts by default. A request from anywhere else keeps its own connection's address, whatever it sends.
/// </summary>
public sealed class ClientAddressOptions
{
    public const string Section = "ForwardedHeaders";

    public List<string> KnownProxies { get; init; } = [];

    public List<string> KnownNetworks { get; init; } = [];
}
