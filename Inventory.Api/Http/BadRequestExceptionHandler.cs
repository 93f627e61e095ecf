using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Inventory.Api.Http;

/// <summary>
/// Turns the framework's <see cref="BadHttpRequestException"/> (malformed JSON, wrong content type, missing body,
/// unparsable route or query value, body over the limit) into a problem with the status it carries — never a 500;
/// a JSON string that is not <see cref="StorableText"/> into a 400 naming its field.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(
        HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }
        if (exception.InnerException is JsonException text
            && (text is UnstorableTextException || StorableJsonText.IsBrokenText(text)))
        {
            // As the validation of a field answers: the client learns which field to fix.
            var field = StorableJsonText.FieldOf(text);
            await Problems.Invalid(field, StorableText.Refusal(field)).ExecuteAsync(httpContext);
            return true;
        }

        var detail = exception.InnerException is JsonException json ? $"{bad.Message} {json.Message}" : bad.Message;
        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = bad.StatusCode, Detail = detail },
        });
    }
}
