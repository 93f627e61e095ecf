using System.Security.Cryptography;
using System.Text;

using Microsoft.Extensions.Options;

namespace Inventory.Api.Auth;

/// <summary>The validated <see cref="ApiKeyOptions"/>, decoded once.</summary>
internal sealed class ConfiguredApiKeys(IOptions<ApiKeyOptions> options)
{
    private readonly ApiKey[] _keys = options.Value.ApiKeys
        .Select(k => new ApiKey(k.Name!, k.Role!, Convert.FromHexString(k.Sha256!)))
        .ToArray();

    public ApiKey? Find(string presented)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), hash);
        ApiKey? found = null;
        foreach (var key in _keys)
        {
            // No early exit: the same work whichever key (if any) matches.
            if (CryptographicOperations.FixedTimeEquals(hash, key.Sha256))
            {
                found = key;
            }
        }
        return found;
    }
}
