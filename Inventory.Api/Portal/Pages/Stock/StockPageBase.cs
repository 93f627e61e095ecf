using System.Diagnostics;
using Inventory.Api.Data;
using Inventory.Api.Http;
using Inventory.Api.Portal.Pages.Shared;
using Inventory.Api.Stock;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;

namespace Inventory.Api.Portal.Pages.Stock;

/// <summary>
/// What the four stock pages share: the form and its one-time token, the remembered location, the ledger call through
/// the API's own <see cref="StockPosting"/> (the token is its idempotency key), the refusal shown beside the field it
/// concerns, and POST-redirect-GET to a confirmation.
/// </summary>
public abstract class StockPageBase : ComponentBase
{
    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = null!;

    [SupplyParameterFromForm]
    public StockForm? Input { get; set; }

    /// <summary>Prefills the SKU: the quick actions of the item list and item page link here with it.</summary>
    [SupplyParameterFromQuery(Name = "sku")]
    public string? PrefilledSku { get; set; }

    /// <summary>The movement just recorded (after the redirect): shown as the confirmation.</summary>
    [SupplyParameterFromQuery(Name = "recorded")]
    public long? RecordedId { get; set; }

    [Inject]
    internal StockPosting Posting { get; set; } = null!;

    [Inject]
    internal InventoryDbContext Db { get; set; } = null!;

    [Inject]
    internal NavigationManager Navigation { get; set; } = null!;

    protected EditContext EditContext { get; private set; } = null!;

    /// <summary>The movement to confirm, when the page was reached by the redirect after recording it.</summary>
    protected StockMovementResponse? Recorded { get; private set; }

    /// <summary>Why nothing was recorded, for the summary above the form.</summary>
    protected string? Problem { get; private set; }

    private ValidationMessageStore _messages = null!;

    /// <summary>The page's own path: where the form posts and the confirmation is shown.</summary>
    protected abstract string PagePath { get; }

    /// <summary>The quantity a new form starts with (a scan then Enter moves one unit).</summary>
    protected virtual int? DefaultQuantity => 1;

    protected override async Task OnInitializedAsync()
    {
        if (Input is null)
        {
            Input = new StockForm
            {
                Sku = PrefilledSku,
                Location = LastLocation.Read(HttpContext),
                Quantity = DefaultQuantity,
                Token = NewToken(),
            };
            Prefill(Input);
        }
        // Before any await: the page renders (the form included) while this method waits.
        EditContext = new EditContext(Input);
        _messages = new ValidationMessageStore(EditContext);
        if (RecordedId is { } id && HttpMethods.IsGet(HttpContext.Request.Method))
        {
            Recorded = await MovementQueries.ByIdAsync(Db, id, HttpContext.RequestAborted);
        }
    }

    /// <summary>Page-specific defaults of a new form.</summary>
    protected virtual void Prefill(StockForm form)
    {
    }

    /// <summary>
    /// The API request this form stands for, checked by the request type's own rules; null (with the messages on the
    /// fields) when it breaks one. <paramref name="fieldOf"/> names the form field of a request property.
    /// </summary>
    protected TRequest? TryBuild<TRequest>(TRequest request, Func<string, string> fieldOf)
        where TRequest : class
    {
        if (RequestRules.Check(request, EditContext, _messages, fieldOf))
        {
            return request;
        }
        Refuse("Check the highlighted fields.", StatusCodes.Status400BadRequest);
        return null;
    }

    /// <summary>
    /// Records through the ledger as the signed-in user, with the form's token as the idempotency key; redirects to
    /// the confirmation, or shows why not and keeps the input.
    /// </summary>
    private protected async Task RecordAsync<TRequest>(TRequest request,
        Func<StockLedger, string, CancellationToken, Task<LedgerResult>> command, string location)
    {
        var token = Input!.Token;
        if (string.IsNullOrEmpty(token) || token.Length > Limits.IdempotencyKeyLength
            || !token.All(c => c is >= '!' and <= '~'))
        {
            Input.Token = NewToken();
            Refuse("This form was incomplete; check it and submit it again.", StatusCodes.Status400BadRequest);
            return;
        }

        var actor = HttpContext.User.Identity!.Name!;
        var (response, _) = await Posting.RecordAsync(actor, token, PagePath, request, command,
            Activity.Current?.Id ?? HttpContext.TraceIdentifier, HttpContext.RequestAborted);
        if (response is null)
        {
            Input.Token = NewToken();
            Refuse("This form was already submitted with other values. Nothing more was recorded; check the values "
                + "and submit again to record them.", StatusCodes.Status409Conflict);
            return;
        }
        if (Posting.MovementOf(response) is { } movement)
        {
            LastLocation.Remember(HttpContext, location);
            Navigation.NavigateTo($"{PagePath}?recorded={movement.Id}");
            return;
        }

        // A refusal is stored under the token too, so a fresh one lets the corrected form record.
        Input.Token = NewToken();
        var (type, detail) = StockPosting.RefusalOf(response);
        var field = FieldOfRefusal(type, detail);
        _messages.Add(EditContext.Field(field), detail);
        // An unknown SKU or location is a mistake in the form, not a missing page: a 404 would make the framework
        // show the not-found page instead of the form with its message.
        Refuse(detail, response.StatusCode == StatusCodes.Status404NotFound
            ? StatusCodes.Status422UnprocessableEntity
            : response.StatusCode);
    }

    /// <summary>The form field a ledger refusal is about.</summary>
    protected virtual string FieldOfRefusal(string type, string detail) => type switch
    {
        _ when type == Problems.LocationNotFound.Type => nameof(StockForm.Location),
        _ when type == Problems.InsufficientStock.Type => nameof(StockForm.Quantity),
        _ => nameof(StockForm.Sku),
    };

    private void Refuse(string problem, int status)
    {
        Problem = problem;
        HttpContext.Response.StatusCode = status;
        EditContext.NotifyValidationStateChanged();
    }

    private static string NewToken() => Guid.NewGuid().ToString("N");
}
