using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.ApiTests;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>
/// The committed Inventory.Api/openapi.json is the live document: the linters in <c>.ci/run lint</c> and the generated
/// client of GeneratedClientTests read the snapshot, so a change to the API must show in it.
/// </summary>
public sealed class OpenApiSnapshotTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    /// <summary>Set to 1 to rewrite the snapshot from the live document instead of comparing them.</summary>
    public const string UpdateVariable = "INVENTORY_UPDATE_OPENAPI_SNAPSHOT";

    public const string RegenerateCommand =
        UpdateVariable + "=1 dotnet test --project Inventory.Tests -- --filter-class " +
        "Inventory.Tests.Api.OpenApiSnapshotTests";

    public static string SnapshotPath { get; } = Path.Combine(RepositoryPaths.Root, "Inventory.Api", "openapi.json");

    [Fact]
    public async Task The_committed_snapshot_is_the_live_document()
    {
        using var response = await fixture.Anonymous.GetAsync("/openapi/v1.json", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var live = Normalize(await response.Content.ReadAsStringAsync(Ct));

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(SnapshotPath, live, Ct);
            return;
        }
        var committed = File.Exists(SnapshotPath) ? Normalize(await File.ReadAllTextAsync(SnapshotPath, Ct)) : "";
        Assert.True(committed == live, $"{SnapshotPath} is not the live OpenAPI document (first difference at line " +
            $"{FirstDifference(committed, live)}). Regenerate it with: {RegenerateCommand}");
    }

    /// <summary>Line ends as on Linux and one final newline, so a checkout's settings make no difference.</summary>
    private static string Normalize(string text) => text.ReplaceLineEndings("\n").TrimEnd('\n') + "\n";

    private static int FirstDifference(string committed, string live)
    {
        var (a, b) = (committed.Split('\n'), live.Split('\n'));
        var line = 0;
        while (line < a.Length && line < b.Length && a[line] == b[line])
        {
            line++;
        }
        return line + 1;
    }
}
