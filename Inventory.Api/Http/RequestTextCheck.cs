using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Inventory.Api.Http;

/// <summary>
/// Refuses a request whose URL or headers carry text that is not <see cref="StorableText"/> with a 400 naming the
/// input (route parameter, query parameter or header, lower case) before any endpoint binds it. The URL is read as the
/// client sent it: the server leaves a %-escape that is not UTF-8 (<c>%FF</c>, <c>%ED%A0%80</c>) as text in the path,
/// where it would pass for a literal <c>%FF</c>.
/// </summary>
internal static class RequestTextCheck
{
    private static readonly SearchValues<char> PlainUrl = SearchValues.Create(
        "!$&'()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]_abcdefghijklmnopqrstuvwxyz~");

    public static IApplicationBuilder UseStorableRequestText(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (FindUnstorable(context) is { } field)
            {
                await Problems.Invalid(field, StorableText.Refusal(field)).ExecuteAsync(context);
                return;
            }
            await next(context);
        });

    /// <summary>The input that holds text PostgreSQL cannot store, or null when there is none.</summary>
    private static string? FindUnstorable(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target) || target[0] != '/')
        {
            target = context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent();
        }
        // The common case, a URL of plain ASCII without escapes, costs one vectorized scan.
        if (target.AsSpan().ContainsAnyExcept(PlainUrl) && FindInUrl(context, target) is { } inUrl)
        {
            return inUrl;
        }
        foreach (var (name, values) in context.Request.Headers)
        {
            foreach (var value in values)
            {
                if (value is not null && !StorableText.IsStorable(value))
                {
                    return name.ToLowerInvariant();
                }
            }
        }
        return null;
    }

    private static string? FindInUrl(HttpContext context, string target)
    {
        var query = target.IndexOf('?');
        var path = query < 0 ? target : target[..query];
        var segments = path.Split('/');
        for (var i = 1; i < segments.Length; i++)
        {
            if (!IsStorableEscaped(segments[i]))
            {
                return RouteParameterAt(context, i - 1) ?? "path";
            }
        }
        if (query < 0)
        {
            return null;
        }
        foreach (var pair in target[(query + 1)..].Split('&'))
        {
            var equals = pair.IndexOf('=');
            var name = equals < 0 ? pair : pair[..equals];
            if (!IsStorableEscaped(name))
            {
                return "query";
            }
            if (equals >= 0 && !IsStorableEscaped(pair[(equals + 1)..]))
            {
                return Uri.UnescapeDataString(name.Replace('+', ' '));
            }
        }
        return null;
    }

    /// <summary>The route parameter the endpoint's pattern has at this path segment, if any.</summary>
    private static string? RouteParameterAt(HttpContext context, int segment) =>
        context.GetEndpoint() is RouteEndpoint { RoutePattern: var pattern } && segment < pattern.PathSegments.Count
            && pattern.PathSegments[segment].Parts is [RoutePatternParameterPart parameter]
            ? parameter.Name
            : null;

    /// <summary>
    /// Whether the %-escaped <paramref name="text"/> decodes to well-formed UTF-8 (no overlong form, no surrogate)
    /// without U+0000, every % starting two hex digits.
    /// </summary>
    private static bool IsStorableEscaped(string text)
    {
        var bytes = new byte[text.Length * 3];
        var length = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length || !byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier,
                    CultureInfo.InvariantCulture, out var escaped))
                {
                    return false;
                }
                bytes[length++] = escaped;
                i += 2;
            }
            else if (c == '\0' || char.IsSurrogate(c) && !IsPair(text, i))
            {
                return false;
            }
            else
            {
                length += Encoding.UTF8.GetBytes(text.AsSpan(i, char.IsHighSurrogate(c) ? 2 : 1),
                    bytes.AsSpan(length));
                i += char.IsHighSurrogate(c) ? 1 : 0;
            }
        }
        var decoded = bytes.AsSpan(0, length);
        return Utf8.IsValid(decoded) && !decoded.Contains((byte)0);
    }

    private static bool IsPair(string text, int i) =>
        char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
}
