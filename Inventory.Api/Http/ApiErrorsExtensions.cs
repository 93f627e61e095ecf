using System.Text.Json;

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
            if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType
                && context.ProblemDetails.Detail is null)
            {
                context.ProblemDetails.Detail =
                    $"Content-Type '{context.HttpContext.Request.ContentType}' is not accepted here; "
                    + "send application/json (text/csv for /api/items/import).";
            }
            // The "errors" keys name the fields as the client sends them: "sku", not the C# member "Sku".
            if (context.ProblemDetails is HttpValidationProblemDetails validation)
            {
                validation.Errors = CamelCaseKeys(validation.Errors);
            }
        });
        builder.Services.AddValidation();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Binding failures become exceptions so BadRequestExceptionHandler can answer them with a problem body that
        // says what was wrong, in every environment.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return builder;
    }

    /// <summary>
    /// Camel-cases the keys of a validation problem here rather than through the serializer's DictionaryKeyPolicy:
    /// that option turns off System.Text.Json's generated fast path for every response (<see cref="ApiJsonContext"/>).
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
        app.UseStorableRequestText();
        app.UseRequestBodyLimits();
        return app;
    }
}
