using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Inventory.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Inventory.Api.Stock;

/// <summary>
/// Runs one stock POST: the ledger command and, with an <c>Idempotency-Key</c>, the claim and the stored answer, all in
/// one transaction. The answer is rendered once and sent from the stored text, so a replay is byte for byte the same.
/// </summary>
internal sealed class StockPosting(StockLedger ledger, IdempotencyStore idempotency, IOptions<JsonOptions> json)
{
    public const string IdempotencyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    public async Task<Results<ContentHttpResult, ProblemHttpResult, ValidationProblem>> PostAsync<TRequest>(
        HttpContext http,
        TRequest request,
        Func<StockLedger, string, CancellationToken, Task<LedgerResult>> command,
        CancellationToken ct)
    {
        // Read from the headers themselves: binding turns an empty header into "no header", which would silently drop
        // it.
        var idempotencyKey = http.Request.Headers.TryGetValue(IdempotencyHeader, out var values)
            ? values.ToString()
            : null;
        if (idempotencyKey is not null && (values.Count != 1 || !IsValidKey(idempotencyKey)))
        {
            return Problems.Invalid("idempotencyKey",
                $"The {IdempotencyHeader} header must be 1–{Data.Limits.IdempotencyKeyLength} visible ASCII "
                + "characters.");
        }

        var actor = http.User.Identity!.Name!;
        var (response, replayed) = await RecordAsync(actor, idempotencyKey, http.Request.Path, request, command,
            Activity.Current?.Id ?? http.TraceIdentifier, ct);
        if (response is null)
        {
            return Problems.Result(Problems.IdempotencyKeyReused,
                $"{IdempotencyHeader} '{idempotencyKey}' was first used with a different request; "
                + "use a new key for a new request.");
        }
        if (replayed)
        {
            http.Response.Headers[ReplayedHeader] = "true";
        }
        return TypedResults.Content(response.Body, response.ContentType, Encoding.UTF8, response.StatusCode);
    }

    /// <summary>
    /// Runs <paramref name="command"/> as <paramref name="actor"/> and renders its answer, or, when
    /// <paramref name="idempotencyKey"/> was used before by the same actor, replays the answer stored then (Replayed;
    /// a null answer when that request differed). <paramref name="path"/> names the command in the request hash.
    /// The API's stock POSTs and the portal's stock forms both record through here.
    /// </summary>
    public Task<(StoredResponse? Response, bool Replayed)> RecordAsync<TRequest>(string actor, string? idempotencyKey,
        string path, TRequest request, Func<StockLedger, string, CancellationToken, Task<LedgerResult>> command,
        string traceId, CancellationToken ct)
    {
        var requestHash = idempotencyKey is null ? "" : Hash(path, request);
        return ledger.InTransactionAsync(async token =>
        {
            if (idempotencyKey is not null
                && await idempotency.ClaimAsync(actor, idempotencyKey, requestHash, token) is { } earlier)
            {
                return (earlier.RequestHash == requestHash
                    ? new StoredResponse(earlier.StatusCode, earlier.ContentType, earlier.Body)
                    : null, true);
            }

            var rendered = Render(path, traceId, await command(ledger, actor, token));
            if (idempotencyKey is not null)
            {
                await idempotency.CompleteAsync(actor, idempotencyKey, rendered, token);
            }
            return ((StoredResponse?)rendered, false);
        }, ct);
    }

    /// <summary>The movement a stored 201 answer holds; null for a refusal.</summary>
    public StockMovementResponse? MovementOf(StoredResponse response) =>
        response.StatusCode == StatusCodes.Status201Created
            ? JsonSerializer.Deserialize<StockMovementResponse>(response.Body, json.Value.SerializerOptions)
            : null;

    /// <summary>The <c>type</c> and <c>detail</c> of a stored problem answer: why the ledger refused.</summary>
    public static (string Type, string Detail) RefusalOf(StoredResponse response)
    {
        using var problem = JsonDocument.Parse(response.Body);
        var root = problem.RootElement;
        return (root.TryGetProperty("type", out var type) ? type.GetString() ?? "" : "",
            root.TryGetProperty("detail", out var detail) ? detail.GetString() ?? "" : "");
    }

    private StoredResponse Render(string path, string traceId, LedgerResult result)
    {
        var options = json.Value.SerializerOptions;
        switch (result)
        {
            case LedgerResult.Recorded recorded:
                return new StoredResponse(StatusCodes.Status201Created, "application/json",
                    JsonSerializer.Serialize(recorded.Movement, options));
            case LedgerResult.Refused refused:
                var problem = Problems.Details(refused.Kind, refused.Detail, refused.Extensions);
                problem.Instance = path;
                problem.Extensions["traceId"] = traceId;
                return new StoredResponse(refused.Kind.Status, "application/problem+json",
                    JsonSerializer.Serialize(problem, options));
            default:
                throw new UnreachableException();
        }
    }

    private string Hash<TRequest>(string path, TRequest request)
    {
        var canonical = $"{path}\n{JsonSerializer.Serialize(request, json.Value.SerializerOptions)}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    private static bool IsValidKey(string key) =>
        key.Length is > 0 and <= Data.Limits.IdempotencyKeyLength && key.All(c => c is >= '!' and <= '~');
}
