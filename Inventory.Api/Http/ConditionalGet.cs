using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Inventory.Api.Http;

/// <summary>
/// Validators computed from the representation itself, and <c>If-None-Match</c> (RFC 9110 §13.1.2) answered with a
/// 304. Why: see "Decision: ETags from the representation" in Inventory.Api/README.md.
/// </summary>
internal static class ConditionalGet
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// 32 hex digits (128 bits of SHA-256) of <paramref name="value"/> as JSON: any change of any field changes it,
    /// and a client cannot craft a body that collides with another.
    /// </summary>
    public static string Hash<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        // Per thread and reused: nothing awaits between writing and hashing, and a GET then allocates no buffer.
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(16 * 1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        JsonSerializer.Serialize(writer, value, typeInfo);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer.WrittenSpan, hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    /// <summary>A strong ETag for <paramref name="value"/>: its <see cref="Hash{T}"/> in quotes.</summary>
    public static string Tag<T>(T value, JsonTypeInfo<T> typeInfo) => $"\"{Hash(value, typeInfo)}\"";

    /// <summary>
    /// Sets <paramref name="etag"/> on the response; true when the request's If-None-Match is <c>*</c> or lists it
    /// (weak comparison), so the client's copy is current and a 304 answers.
    /// </summary>
    public static bool ClientHasCurrent(HttpContext http, string etag)
    {
        http.Response.Headers.ETag = etag;
        if (http.Request.Headers.IfNoneMatch.Count == 0)
        {
            return false;
        }
        var current = EntityTagHeaderValue.Parse(etag);
        return http.Request.GetTypedHeaders().IfNoneMatch
            .Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: false));
    }

    /// <summary>304, no body; the ETag header set by <see cref="ClientHasCurrent"/> goes with it.</summary>
    public static StatusCodeHttpResult NotModified() => TypedResults.StatusCode(StatusCodes.Status304NotModified);
}
