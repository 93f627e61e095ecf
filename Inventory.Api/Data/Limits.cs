namespace Inventory.Api.Data;

/// <summary>Column sizes, shared by the schema and the request validation so the two never disagree.</summary>
public static class Limits
{
    public const int CodeLength = 64;
    public const int NameLength = 200;
    public const int DescriptionLength = 2000;
    public const int CategoryLength = 100;
    public const int UnitLength = 32;
    public const int ReasonLength = 500;
    public const int ReferenceLength = 200;
    public const int IdempotencyKeyLength = 200;

    /// <summary>Largest quantity one request may move or count: far above any real stock, far below overflow.</summary>
    public const int MaxQuantity = 1_000_000_000;

    /// <summary><c>A-Z a-z 0-9 - _ .</c>, 1–64 characters: SKUs and location codes.</summary>
    public const string CodePattern = "^[A-Za-z0-9._-]{1,64}$";
}
