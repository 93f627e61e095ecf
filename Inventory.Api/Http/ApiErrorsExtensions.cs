using Microsoft.AspNetCore.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Inventory.Api.Http;

internal static class ApiErrorsExtensions
{
    /// <summary>
    /// RFC 9457 problem details for every failure: the framework's validation (DataAnnotations) answers 400 with an
    /// <c>errors</c> map, binding failures keep their own status (400, 415, 413), empty error responses get a body.
    /// </summary>
    public static IHostApplicationBuilder AddApiErrors(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // The framework refuses a wrong Content-Type without saying what it wanted.
            if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType && context.ProblemDetails.Detail is null)
            {
                context.ProblemDetails.Detail = $"Content-Type '{context.HttpContext.Request.ContentType}' is not accepted here; " +
                    "send application/json (text/csv for /api/items/import).";
            }
        });
        builder.Services.AddValidation();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Binding failures become exceptions so BadRequestExceptionHandler can answer them with a problem body that says
        // what was wrong, in every environment.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(options =>
        {
            // "5" for a number is a client bug worth a 400, not something to guess at.
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            // The validation problem's "errors" keys follow it: "sku", as the client sent it, not "Sku".
            options.SerializerOptions.DictionaryKeyPolicy = JsonNamingPolicy.CamelCase;
            // The responses' serializers, generated at build time; everything else falls through to reflection.
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
        });
        return builder;
    }

    public static WebApplication UseApiErrors(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestBodyLimits();
        return app;
    }
}
