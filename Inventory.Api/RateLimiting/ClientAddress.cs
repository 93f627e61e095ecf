using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

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

internal static class ClientAddress
{
    public static IHostApplicationBuilder AddClientAddress(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ClientAddressOptions>()
            .Bind(builder.Configuration.GetSection(ClientAddressOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ClientAddressOptions>, ClientAddressOptionsValidator>();
        builder.Services.AddOptions<ForwardedHeadersOptions>()
            .Configure<IOptions<ClientAddressOptions>>((forwarded, proxies) =>
            {
                // Only the client's address: the nginx in front appends it, and ForwardLimit 1 takes that entry,
                // never one the client wrote itself.
                forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
                forwarded.ForwardLimit = 1;
                foreach (var proxy in proxies.Value.KnownProxies)
                {
                    forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
                }
                foreach (var network in proxies.Value.KnownNetworks)
                {
                    forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
                }
            });
        return builder;
    }

    /// <summary>
    /// Who to throttle for <paramref name="context"/>: its IPv4 address, or the /64 network of an IPv6 one (a single
    /// host is commonly given a whole /64, so the full address would let it pick a fresh one per attempt).
    /// </summary>
    public static string Key(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes).ToString() + "/64";
    }
}

/// <summary>Names each proxy setting that is not an address or a CIDR network.</summary>
internal sealed class ClientAddressOptionsValidator : IValidateOptions<ClientAddressOptions>
{
    public ValidateOptionsResult Validate(string? name, ClientAddressOptions options)
    {
        var section = ClientAddressOptions.Section;
        var failures = options.KnownProxies
            .Select((proxy, i) => IPAddress.TryParse(proxy, out _)
                ? null
                : Invariant($"{section}:KnownProxies:{i} must be an IP address such as 172.18.0.2."))
            .Concat(options.KnownNetworks.Select((network, i) => System.Net.IPNetwork.TryParse(network, out _)
                ? null
                : Invariant($"{section}:KnownNetworks:{i} must be a CIDR network such as 172.18.0.0/16.")))
            .OfType<string>()
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
