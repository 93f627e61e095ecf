namespace Inventory.Api.Portal.Pages.Stock;

/// <summary>
/// What a stock form posts. Plain settable fields: the rules are the API's request types', checked when the form is
/// turned into one (<see cref="StockPageBase.TryBuild{TRequest}"/>). <see cref="Token"/> is the one-time key that
/// makes a second post of the same form (double click, browser resubmit) replay the first instead of recording again.
/// </summary>
public sealed class StockForm
{
    public string? Sku { get; set; }

    /// <summary>The location of a receipt, issue or count; a transfer's source.</summary>
    public string? Location { get; set; }

    /// <summary>A transfer's destination.</summary>
    public string? ToLocation { get; set; }

    /// <summary>Units moved; for a count, the quantity counted.</summary>
    public int? Quantity { get; set; }

    public string? Reason { get; set; }

    public string? Reference { get; set; }

    public string? Token { get; set; }
}
