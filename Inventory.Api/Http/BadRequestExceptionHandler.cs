using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Inventory.Api.Http;

/// <summary>
/// Turns the framework's <see cref="BadHttpRequestException"/> (malformed JSON, wrong content type, missing body,
/// unparsable route or query value, body over the limit) into a problem with the status it carries — never a 500.
/// A JSON body that fails at a field (a wrong type, text that is not <see cref="StorableText"/>) names it in
/// <c>errors</c>.
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
        var detail = exception.InnerException is JsonException json ? $"{bad.Message} {json.Message}" : bad.Message;
        httpContext.Response.StatusCode = bad.StatusCode;
        var problem = exception.InnerException is JsonException { Path: not null } field
            && StorableJsonText.FieldOf(field) is { } name
            // As the validation of a field answers: the client learns which field to fix.
            ? new HttpValidationProblemDetails(new Dictionary<string, string[]>
            {
                [name] = [field is UnstorableTextException ? StorableText.Refusal(name) : field.Message],
            })
            : new ProblemDetails();
        problem.Status = bad.StatusCode;
        problem.Detail = detail;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = problem,
        });
    }
}
