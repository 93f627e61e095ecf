namespace Inventory.Api.Http;

/// <summary>One kind of failure the API reports: a stable RFC 9457 <c>type</c>, its <c>title</c> and status.</summary>
public sealed record ProblemKind(string Slug, string Title, int Status)
{
    public string Type => $"urn:inventory:problem:{Slug}";
}