using Microsoft.AspNetCore.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

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
            // The "errors" keys name the fields as the client sends them: "sku", not the C# member "Sku".
            if (context.ProblemDetails is HttpValidationProblemDetails validation)
            {
                validation.Errors = CamelCaseKeys(validation.Errors);
            }
        });
        builder.Services.AddValidation();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Binding failures become exceptions so BadRequestExceptionHandler can answer them with a problem body that says
        // what was wrong, in every environment.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        // "5" for a number is a client bug worth a 400, not something to guess at.
        builder.Services.Configure<JsonOptions>(options => options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        // After the framework's own set-up (AddProblemDetails adds its resolver in a PostConfigure): the responses'
        // serializers, generated at build time, then reflection for everything else (requests, problem details).
        // System.Text.Json only runs the generated fast path when every resolver of the chain agrees with the options,
        // and the framework's problem-details context (generated without camel case) and its explicit default Encoder do
        // not; a null Encoder is that same default encoder.
        // Writing a response is streaming serialization, where System.Text.Json runs the fast path for a type only
        // while none of its responses so far has been over half of DefaultBufferSize: at the default 16 KiB, one
        // 50-item page (about 9 KB) turned it off for every later page. At 128 KiB it stays on up to 64 KiB, which
        // holds a 200-item page of ordinary items (about 35 KB).
        builder.Services.PostConfigure<JsonOptions>(options =>
        {
            options.SerializerOptions.DefaultBufferSize = ResponseBufferSize;
            options.SerializerOptions.Encoder = null;
            options.SerializerOptions.TypeInfoResolver = JsonTypeInfoResolver.Combine(ApiJsonContext.Default, new DefaultJsonTypeInfoResolver());
        });
        return builder;
    }

    /// <summary>System.Text.Json's buffer size: twice the largest response still written by the generated fast path.</summary>
    internal const int ResponseBufferSize = 128 * 1024;

    /// <summary>
    /// Camel-cases the keys of a validation problem here rather than through the serializer's DictionaryKeyPolicy: that
    /// option turns off System.Text.Json's generated fast path for every response (<see cref="ApiJsonContext"/>).
    /// </summary>
    private static Dictionary<string, string[]> CamelCaseKeys(IDictionary<string, string[]> errors)
    {
        var camel = new Dictionary<string, string[]>(errors.Count, StringComparer.Ordinal);
        foreach (var (key, messages) in errors)
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(key);
            camel[name] = camel.TryGetValue(name, out var earlier) ? [.. earlier, .. messages] : messages;
        }
        return camel;
    }

    public static WebApplication UseApiErrors(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestBodyLimits();
        return app;
    }
}
