using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Inventory.Api.Http;

/// <summary>
/// Every string property of a request body, at any depth, refuses text that is not <see cref="StorableText"/> while
/// the body is read: no handler and no field annotation can forget it. A lone surrogate escape (<c>\ud800</c>) or
/// bytes that are not UTF-8 never become a string: the reader fails on them, at that field.
/// </summary>
internal static class StorableJsonText
{
    /// <summary>
    /// A resolver modifier for the types read by reflection (the request bodies): their string setters check the text.
    /// A setter rather than a converter: the string converter stays the built-in one, which the OpenAPI schemas and
    /// the generated fast path of the responses (<see cref="ApiJsonContext"/>) both rely on.
    /// </summary>
    public static void Apply(JsonTypeInfo type)
    {
        foreach (var property in type.Properties)
        {
            if (property.PropertyType == typeof(string) && property.Set is { } set)
            {
                property.Set = (target, value) =>
                {
                    if (value is string text && !StorableText.IsStorable(text))
                    {
                        throw new UnstorableTextException();
                    }
                    set(target, value);
                };
            }
        }
    }

    /// <summary>
    /// The field of a body that failed as the client sent it (<c>$.lines[0].sku</c> is <c>lines[0].sku</c>); null when
    /// the body failed as a whole.
    /// </summary>
    public static string? FieldOf(JsonException json) =>
        json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
}

/// <summary>
/// A JSON string that is not <see cref="StorableText"/>; System.Text.Json sets its <see cref="JsonException.Path"/>.
/// </summary>
internal sealed class UnstorableTextException() : JsonException(StorableText.Rule);
