namespace Inventory.Api.Auth;

/// <summary>Marks a request refused because its address spent its failed attempts.</summary>
internal sealed record ThrottledAttempt(TimeSpan RetryAfter);
