using System.Text.Json;
using Inventory.Api.Data;
using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.ApiTests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>
/// Settings validated at start-up (one line naming each bad one), and development seeding: once, only in Development.
/// </summary>
public sealed class ConfigurationAndSeedingTests(PostgresServer postgres)
{
    public static TheoryData<string, string[], string[]> BadSettings() => new()
    {
        { "no keys at all", [], ["Auth:ApiKeys is empty", "Auth__ApiKeys__0__Sha256"] },
        {
            "bad role and hash",
            ["Auth__ApiKeys__0__Name=ops", "Auth__ApiKeys__0__Role=Boss", "Auth__ApiKeys__0__Sha256=plain-text-key"],
            ["Auth:ApiKeys:0:Role", "Auth:ApiKeys:0:Sha256"]
        },
        {
            "missing name, duplicate hash",
            [
                $"Auth__ApiKeys__0__Name=a", "Auth__ApiKeys__0__Role=Admin",
                    $"Auth__ApiKeys__0__Sha256={TestApiKeys.Sha256("k")}",
                "Auth__ApiKeys__1__Role=Reader", $"Auth__ApiKeys__1__Sha256={TestApiKeys.Sha256("k")}",
            ],
            ["Auth:ApiKeys:1:Name", "Auth:ApiKeys:1:Sha256 is the same key"]
        },
        {
            "bad rate limit and retention",
            [
                "Auth__ApiKeys__0__Name=a", "Auth__ApiKeys__0__Role=Admin",
                    $"Auth__ApiKeys__0__Sha256={TestApiKeys.Sha256("k")}",
                "RateLimiting__TokenLimit=0", "Idempotency__Retention=02:00:00",
            ],
            ["RateLimiting:TokenLimit", "Idempotency:Retention"]
        },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task Bad_settings_stop_the_process_with_one_line_naming_each_of_them(
        string label, string[] settings, string[] named)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__inventorydb"] = await postgres.CreateDatabaseAsync("config"),
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        };
        foreach (var setting in settings)
        {
            var (key, value) = (setting[..setting.IndexOf('=', StringComparison.Ordinal)],
                setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            environment[key] = value;
        }

        var result = await ProcessRunner.RunAsync("dotnet",
            [Path.Combine(RepositoryPaths.BuildOutput("Inventory.Api"), "Inventory.Api.dll")],
            environment, timeout: TimeSpan.FromSeconds(60), cancellationToken: Ct);

        Assert.True(result.ExitCode == 1, $"{label}: exit {result.ExitCode}\n{result.Output}");
        var line = Assert.Single(
            result.Output.Split('\n'), l => l.Contains("Configuration is invalid", StringComparison.Ordinal));
        Assert.StartsWith("crit", line, StringComparison.Ordinal);
        foreach (var name in named)
        {
            Assert.Contains(name, line, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("plain-text-key", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Development_with_the_switch_seeds_a_balanced_catalogue_once()
    {
        var connectionString = await postgres.CreateDatabaseAsync("seed");
        var settings = new Dictionary<string, string?>
        {
            ["environment"] = "Development", ["Seeding:Enabled"] = "true",
        };
        int items, movements;
        await using (var first = new ApiFactory(connectionString, settings))
        {
            await first.WaitForStatusAsync("/health", HttpStatusCode.OK);
            using var reader = first.CreateClient(TestApiKeys.Reader);
            using (var locations = await reader.GetAsync("/api/locations", Ct))
            {
                Assert.Equal(5, (await locations.ReadJsonAsync(HttpStatusCode.OK)).GetArrayLength());
            }
            using (var report = await reader.GetAsync("/api/reports/low-stock", Ct))
            {
                var low = (await report.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength();
                Assert.InRange(low, 5, 100);
            }
            (items, movements) = await CountsAsync(first);
            Assert.InRange(items, 180, 220);
            Assert.True(movements >= items / 2, $"Only {movements} movements for {items} items.");
            await using var scope = first.Services.CreateAsyncScope();
            Assert.Empty(await scope.ServiceProvider.GetRequiredService<Inventory.Api.Stock.StockLedger>()
                .FindMismatchesAsync(Ct));
        }

        await using var second = new ApiFactory(connectionString, settings);
        await second.WaitForStatusAsync("/health", HttpStatusCode.OK);
        Assert.Equal((items, movements), await CountsAsync(second));
    }

    [Theory]
    [InlineData("Production", "true")]
    [InlineData("Testing", "true")]
    [InlineData("Development", "false")]
    public async Task No_seeding_outside_development_or_without_the_switch(string environment, string enabled)
    {
        await using var api = new ApiFactory(await postgres.CreateDatabaseAsync("noseed"),
            new Dictionary<string, string?> { ["environment"] = environment, ["Seeding:Enabled"] = enabled });
        await api.WaitForStatusAsync("/health", HttpStatusCode.OK);

        Assert.Equal((0, 0), await CountsAsync(api));
    }

    private static async Task<(int Items, int Movements)> CountsAsync(ApiFactory api)
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        return (await db.Items.CountAsync(Ct), await db.StockMovements.CountAsync(Ct));
    }

    [Fact]
    public async Task Database_commands_are_not_logged_one_by_one()
    {
        // Npgsql logs every command it runs (its SQL and duration) at Information, EF Core likewise: at thousands of
        // requests a second that would be most of the API's work, and noise in every log. Only their warnings and
        // errors.
        var logs = new CapturedLogs();
        await using var api = new ApiFactory(await postgres.CreateDatabaseAsync("commandlogs"), logs: logs);
        await api.WaitForStatusAsync("/health", HttpStatusCode.OK);
        using var admin = api.CreateClient(TestApiKeys.Admin);
        var sku = ApiFixture.Unique("LOGS");
        await admin.CreateItemAsync(sku);

        using var read = await admin.GetAsync($"/api/items/{sku}", Ct);
        using var list = await admin.GetAsync("/api/items", Ct);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        string[] chatty = ["Trace", "Debug", "Information"];
        Assert.DoesNotContain(logs.Lines, l => chatty.Any(level =>
            l.StartsWith($"{level} Npgsql", StringComparison.Ordinal) ||
            l.StartsWith($"{level} Microsoft.EntityFrameworkCore.Database.Command", StringComparison.Ordinal)));
    }
}
