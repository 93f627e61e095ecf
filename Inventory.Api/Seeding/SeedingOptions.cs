namespace Inventory.Api.Seeding;

/// <summary>
/// Section <c>Seeding</c>: <c>Enabled</c> asks for a development catalogue. The AppHost sets it; it only counts in the
/// Development environment, so a production process never seeds whatever its configuration says.
/// </summary>
public sealed class SeedingOptions
{
    public const string Section = "Seeding";

    public bool Enabled { get; set; }
}