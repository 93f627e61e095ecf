namespace Inventory.Api.Data;

internal static class CodeKey
{
    /// <summary>The lookup key of a SKU or location code (the schema's <c>lower(…)</c>; codes are ASCII).</summary>
    public static string Of(string code) => code.ToLowerInvariant();
}
