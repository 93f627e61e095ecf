using System.Globalization;
using System.Net;

using Microsoft.Extensions.Options;

namespace Inventory.Api.RateLimiting;

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
