using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Components.Forms;

namespace Inventory.Api.Portal.Pages.Shared;

/// <summary>
/// A portal form is checked by the API request it stands for, with that type's own attributes (one copy of each rule);
/// each broken rule is shown on the form field it concerns.
/// </summary>
internal static class RequestRules
{
    /// <summary>
    /// True when <paramref name="request"/> keeps every rule and the form could be read at all; else false, with the
    /// messages on the fields (<paramref name="fieldOf"/> names the form field of a request property).
    /// </summary>
    public static bool Check(object request, EditContext form, ValidationMessageStore messages,
        Func<string, string> fieldOf)
    {
        // A value the form could not read (e.g. a quantity that is no number) is on its field already.
        if (form.GetValidationMessages().Any())
        {
            return false;
        }
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(request, new ValidationContext(request), results, validateAllProperties: true))
        {
            return true;
        }
        foreach (var result in results)
        {
            foreach (var member in result.MemberNames)
            {
                messages.Add(form.Field(fieldOf(member)), result.ErrorMessage ?? "This value is not valid.");
            }
        }
        form.NotifyValidationStateChanged();
        return false;
    }
}
