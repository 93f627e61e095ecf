using System.Security.Cryptography;
using System.Text;

namespace Inventory.Tests.Infrastructure.ApiTests;

/// <summary>One API key per role, configured the way production is: only their SHA-256 reaches the API.</summary>
public static class TestApiKeys
{
    public const string Reader = "test-reader-key-5b1f0c7e";
    public const string Operator = "test-operator-key-9d24a3b1";
    public const string Admin = "test-admin-key-0e6c8f42";

    public const string ReaderName = "test-reader";
    public const string OperatorName = "test-operator";
    public const string AdminName = "test-admin";

    /// <summary>Configuration for the three keys (<c>Auth:ApiKeys:N:…</c>).</summary>
    public static IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Auth:ApiKeys:0:Name"] = ReaderName,
        ["Auth:ApiKeys:0:Role"] = "Reader",
        ["Auth:ApiKeys:0:Sha256"] = Sha256(Reader),
        ["Auth:ApiKeys:1:Name"] = OperatorName,
        ["Auth:ApiKeys:1:Role"] = "Operator",
        ["Auth:ApiKeys:1:Sha256"] = Sha256(Operator),
        ["Auth:ApiKeys:2:Name"] = AdminName,
        ["Auth:ApiKeys:2:Role"] = "Admin",
        ["Auth:ApiKeys:2:Sha256"] = Sha256(Admin),
    };

    /// <summary>The same keys as environment variables, for a process started outside the test host.</summary>
    public static IReadOnlyDictionary<string, string?> EnvironmentVariables { get; } =
        Settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);

    public static string Sha256(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
