using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace Inventory.Api.Http;

internal static class RequestBodyLimitMiddleware
{
    /// <summary>
    /// Refuses a declared Content-Length over the endpoint's limit before anything reads the body, and lowers the
    /// server's own limit so a chunked body that grows past it is cut off as well.
    /// </summary>
    public static IApplicationBuilder UseRequestBodyLimits(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var limit = context.GetEndpoint()?.Metadata.GetMetadata<RequestBodyLimit>();
            if (limit is not null)
            {
                if (context.Request.ContentLength > limit.Bytes)
                {
                    var detail = $"This endpoint accepts at most {limit.Bytes} bytes.";
                    await Problems.Result(Problems.PayloadTooLarge, detail).ExecuteAsync(context);
                    return;
                }
                if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
                {
                    feature.MaxRequestBodySize = limit.Bytes;
                }
            }
            await next(context);
        });

    public static TBuilder WithRequestBodyLimit<TBuilder>(this TBuilder builder, RequestBodyLimit limit)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(limit,
            new ProducesResponseTypeMetadata(
                StatusCodes.Status413PayloadTooLarge, typeof(ProblemDetails), [ProblemJson]),
            new ProducesResponseTypeMetadata(
                StatusCodes.Status415UnsupportedMediaType, typeof(ProblemDetails), [ProblemJson]));

    private const string ProblemJson = "application/problem+json";
}
