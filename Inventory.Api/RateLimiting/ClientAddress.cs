using System.Net;

using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Inventory.Api.RateLimiting;

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
                // The client's address (the nginx in front appends it, and ForwardLimit 1 takes that entry, never one
                // the client wrote itself) and the scheme nginx was reached by, so the portal's cookies are Secure
                // behind TLS.
                forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
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
