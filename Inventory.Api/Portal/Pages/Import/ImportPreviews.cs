using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Caching.Memory;

namespace Inventory.Api.Portal.Pages.Import;

/// <summary>
/// The files the import page has previewed, kept in memory until their user confirms them: the confirm step imports
/// exactly the bytes that were previewed, never a file sent again. A token is random, bound to the user who uploaded
/// the file, and taken once (a second confirm of the same preview imports nothing). Previews expire after
/// <see cref="Lifetime"/> and the store holds at most <see cref="MaxTotalBytes"/>: an old preview may be gone, and the
/// page then asks for the file again.
/// </summary>
internal sealed class ImportPreviews : IDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);
    public const long MaxTotalBytes = 64 * 1024 * 1024;

    private readonly MemoryCache _files;

    private readonly Lock _taking = new();

    public ImportPreviews() => _files = new MemoryCache(new MemoryCacheOptions { SizeLimit = MaxTotalBytes });

    /// <summary>Keeps <paramref name="file"/> for <paramref name="user"/>; the token names it for the confirm step.</summary>
    public string Keep(string user, byte[] file)
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        _files.Set(Key(user, token), file, new MemoryCacheEntryOptions
        {
            AbsoluteExpirationRelativeToNow = Lifetime, Size = Math.Max(1, file.LongLength),
        });
        return token;
    }

    /// <summary>The previewed file, removed from the store; null when expired, taken already or not this user's.</summary>
    public byte[]? Take(string user, string token)
    {
        // Under a lock: two confirms of one preview racing each other import it once.
        lock (_taking)
        {
            var key = Key(user, token);
            if (!_files.TryGetValue(key, out byte[]? file))
            {
                return null;
            }
            _files.Remove(key);
            return file;
        }
    }

    /// <summary>The first 16 hex digits of the file's SHA-256: what the page shows so the operator can compare.</summary>
    public static string Fingerprint(byte[] file) => Convert.ToHexStringLower(SHA256.HashData(file))[..16];

    private static string Key(string user, string token) => $"{user}\n{token}";

    public void Dispose() => _files.Dispose();
}
