using System.ComponentModel.DataAnnotations;
using Inventory.Api.Data;

namespace Inventory.Api.Http;

/// <summary>A SKU or a location code: 1–64 of <c>A-Z a-z 0-9 - _ .</c></summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public class CodeAttribute : RegularExpressionAttribute
{
    public CodeAttribute() : base(Limits.CodePattern)
    {
        ErrorMessage = "The {0} field must be 1–64 characters of A-Z, a-z, 0-9, '-', '_' or '.'.";
        MatchTimeoutInMilliseconds = 100;
    }
}
