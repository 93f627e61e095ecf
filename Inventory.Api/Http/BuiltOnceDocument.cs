namespace Inventory.Api.Http;

/// <summary>
/// Serves the OpenAPI document as the first request built it: the document depends only on the code, so building it
/// again (every endpoint described, every transformer run, then serialized) for each request is work for nothing.
/// The first requests wait for one build; a failed build is not kept.
/// </summary>
internal sealed class BuiltOnceDocument : IEndpointFilter, IDisposable
{
    private readonly SemaphoreSlim _building = new(1, 1);
    private volatile Built? _built;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var built = _built;
        if (built is null)
        {
            await _building.WaitAsync(http.RequestAborted);
            try
            {
                built = _built ??= await BuildAsync(context, next);
            }
            finally
            {
                _building.Release();
            }
        }
        if (built is null)
        {
            return await next(context);
        }
        http.Response.ContentType = built.ContentType;
        http.Response.ContentLength = built.Body.Length;
        await http.Response.Body.WriteAsync(built.Body, http.RequestAborted);
        return Results.Empty;
    }

    /// <summary>The document the endpoint writes, captured; null when it did not answer 200.</summary>
    private static async Task<Built?> BuildAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var response = context.HttpContext.Response;
        var original = response.Body;
        using var captured = new MemoryStream();
        response.Body = captured;
        try
        {
            await next(context);
        }
        finally
        {
            response.Body = original;
        }
        return response.StatusCode == StatusCodes.Status200OK && response.ContentType is { } type
            ? new Built(captured.ToArray(), type)
            : null;
    }

    public void Dispose() => _building.Dispose();

    private sealed record Built(byte[] Body, string ContentType);
}
