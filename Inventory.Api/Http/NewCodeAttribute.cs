using Inventory.Api.Data;

namespace Inventory.Api.Http;

/// <summary>
/// The SKU or location code of something new: a <see cref="CodeAttribute"/> the routes can address
/// (<see cref="AddressableCode"/>). References to existing items and locations stay <see cref="CodeAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class NewCodeAttribute : CodeAttribute
{
    public NewCodeAttribute() => ErrorMessage = "The {0} field must be " + AddressableCode.Rule + ".";

    public override bool IsValid(object? value) =>
        base.IsValid(value) && (value is not string code || !AddressableCode.IsReserved(code));
}
