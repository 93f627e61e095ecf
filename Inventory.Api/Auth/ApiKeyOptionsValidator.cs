using System.Globalization;

using Inventory.Api.Data;

using Microsoft.Extensions.Options;

namespace Inventory.Api.Auth;

/// <summary>Stops start-up with messages that name each bad setting, so a deploy fails at once and says why.</summary>
internal sealed class ApiKeyOptionsValidator : IValidateOptions<ApiKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiKeyOptions options)
    {
        if (options.ApiKeys.Count == 0)
        {
            return ValidateOptionsResult.Fail(
                "Auth:ApiKeys is empty: configure at least one API key as Auth__ApiKeys__0__Name, " +
                "Auth__ApiKeys__0__Role " +
                "(Reader, Operator or Admin) and Auth__ApiKeys__0__Sha256 (lower-case hex SHA-256 of the key).");
        }

        var failures = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            var entry = options.ApiKeys[i];
            var prefix = string.Create(CultureInfo.InvariantCulture, $"Auth:ApiKeys:{i}");
            if (string.IsNullOrWhiteSpace(entry.Name))
            {
                failures.Add($"{prefix}:Name is required.");
            }
            else if (entry.Name.Length > Limits.NameLength || entry.Name.Any(char.IsControl))
            {
                // The name is the ledger's actor: one the column cannot hold would fail every stock movement.
                failures.Add($"{prefix}:Name must be at most {Limits.NameLength} characters, none of them a " +
                    "control character (it is recorded as the actor of the key's stock movements).");
            }
            else if (!names.Add(entry.Name))
            {
                failures.Add(
                    $"{prefix}:Name '{entry.Name}' is used by another key (names are compared ignoring case).");
            }
            if (!ApiRoles.IsKnown(entry.Role))
            {
                failures.Add($"{prefix}:Role must be Reader, Operator or Admin.");
            }
            if (!IsSha256Hex(entry.Sha256))
            {
                failures.Add(
                    $"{prefix}:Sha256 must be 64 lower-case hex characters (the SHA-256 of the key, not the key).");
            }
            else if (!hashes.Add(entry.Sha256!))
            {
                failures.Add($"{prefix}:Sha256 is the same key as another entry.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsSha256Hex(string? value) =>
        value is { Length: 64 } && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
