using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Json;

namespace Inventory.Api.Http;

internal static class ApiJsonExtensions
{
    /// <summary>
    /// System.Text.Json's buffer size: twice the largest response still written by the generated fast path.
    /// </summary>
    internal const int ResponseBufferSize = 128 * 1024;

    /// <summary>
    /// The API's JSON: strict numbers, and the responses' serializers generated at build time
    /// (<see cref="ApiJsonContext"/>) in front of reflection for everything else.
    /// </summary>
    public static IHostApplicationBuilder AddApiJson(this IHostApplicationBuilder builder)
    {
        // "5" for a number is a client bug worth a 400, not something to guess at.
        builder.Services.Configure<JsonOptions>(options =>
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        // After the framework's own set-up (AddProblemDetails adds its resolver in a PostConfigure): the responses'
        // serializers, generated at build time, then reflection for everything else (requests, problem details).
        // System.Text.Json only runs the generated fast path when every resolver of the chain agrees with the
        // options, and the framework's problem-details context (generated without camel case) and its explicit
        // default Encoder do not; a null Encoder is that same default encoder.
        // Writing a response is streaming serialization, where System.Text.Json runs the fast path for a type only
        // while none of its responses so far has been over half of DefaultBufferSize: at the default 16 KiB, one
        // 50-item page (about 9 KB) turned it off for every later page. At 128 KiB it stays on up to 64 KiB, which
        // holds a 200-item page of ordinary items (about 35 KB).
        builder.Services.PostConfigure<JsonOptions>(options =>
        {
            options.SerializerOptions.DefaultBufferSize = ResponseBufferSize;
            options.SerializerOptions.Encoder = null;
            // Request bodies are read through the reflection resolver, whose string properties refuse what PostgreSQL
            // cannot store.
            options.SerializerOptions.TypeInfoResolver = JsonTypeInfoResolver.Combine(ApiJsonContext.Default,
                new DefaultJsonTypeInfoResolver { Modifiers = { StorableJsonText.Apply } });
        });
        return builder;
    }
}
