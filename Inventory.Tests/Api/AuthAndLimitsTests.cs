using System.Net.Http.Json;
using Inventory.Tests.Infrastructure.ApiTests;
using Inventory.Api.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>
/// API keys and roles per route class, what needs no key, keys kept out of logs, per-key rate limits.
/// </summary>
public sealed class AuthAndLimitsTests(ApiFixture fixture, PostgresServer postgres) : IClassFixture<ApiFixture>
{
    public static TheoryData<string, string, int> Matrix()
    {
        // Route class × who asks → status. 201 means allowed (and done); 401/403 mean refused before any work.
        var data = new TheoryData<string, string, int>();
        var expected = new Dictionary<string, int[]>
        {
            // none, unknown, reader, operator, admin
            ["read"] = [401, 401, 200, 200, 200],
            ["report"] = [401, 401, 200, 200, 200],
            ["export"] = [401, 401, 200, 200, 200],
            ["stock"] = [401, 401, 403, 201, 201],
            ["items"] = [401, 401, 403, 403, 201],
            ["locations"] = [401, 401, 403, 403, 201],
            ["import"] = [401, 401, 403, 403, 200],
        };
        string[] callers = ["none", "unknown", "reader", "operator", "admin"];
        foreach (var (route, statuses) in expected)
        {
            for (var i = 0; i < callers.Length; i++)
            {
                data.Add(route, callers[i], statuses[i]);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_role_reaches_exactly_its_route_classes(string route, string caller, int expected)
    {
        var sku = ApiFixture.Unique("AUTH");
        var location = ApiFixture.Unique("AUTHLOC");
        await fixture.Admin.CreateItemAsync(sku);
        await fixture.Admin.CreateLocationAsync(location);
        using var client = caller switch
        {
            "none" => fixture.Api.CreateClient(),
            "unknown" => fixture.Api.CreateClient("not-a-configured-key"),
            "reader" => fixture.Api.CreateClient(TestApiKeys.Reader),
            "operator" => fixture.Api.CreateClient(TestApiKeys.Operator),
            _ => fixture.Api.CreateClient(TestApiKeys.Admin),
        };

        using var response = route switch
        {
            "read" => await client.GetAsync($"/api/items/{sku}", Ct),
            "report" => await client.GetAsync("/api/reports/low-stock", Ct),
            "export" => await client.GetAsync("/api/items/export", Ct),
            "stock" => await client.PostAsJsonAsync("/api/stock/receipts", new { sku, location, quantity = 1 }, Ct),
            "items" => await client.PostAsJsonAsync(
                "/api/items", new { sku = ApiFixture.Unique("NEW"), name = "n" }, Ct),
            "locations" => await client.PostAsJsonAsync(
                "/api/locations", new { code = ApiFixture.Unique("NEW"), name = "n" }, Ct),
            _ => await client.PostJsonTextAsync(
                "/api/items/import", $"sku,name\n{ApiFixture.Unique("IMP")},Imported\n", "text/csv"),
        };

        Assert.Equal(expected, (int)response.StatusCode);
        if (expected >= 400)
        {
            await response.ReadProblemAsync(
                (HttpStatusCode)expected, expected == 401 ? "missing-api-key" : "forbidden");
            Assert.Equal(0, await fixture.Admin.OnHandAsync(sku));
        }
        if (expected == 401)
        {
            Assert.StartsWith("ApiKey", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_movement_actor_is_the_name_of_the_key_that_made_it()
    {
        var sku = ApiFixture.Unique("ACTOR");
        var location = ApiFixture.Unique("L");
        await fixture.Admin.CreateItemAsync(sku);
        await fixture.Admin.CreateLocationAsync(location);

        var byAdmin = await fixture.Admin.ReceiveAsync(sku, location, 1);
        var byOperator = await fixture.Operator.ReceiveAsync(sku, location, 1);

        Assert.Equal(TestApiKeys.AdminName, byAdmin.GetProperty("actor").GetString());
        Assert.Equal(TestApiKeys.OperatorName, byOperator.GetProperty("actor").GetString());
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    [InlineData("/version")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/scalar/")]
    public async Task Probes_version_and_api_documentation_need_no_key(string path)
    {
        using var response = await fixture.Anonymous.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void The_data_protection_key_ring_lives_in_the_database_and_is_not_made_at_start()
    {
        // The portal's cookies and antiforgery tokens need Data Protection (see "Decision: the Data Protection key
        // ring in PostgreSQL"): its keys go to the database, never the container's disk, and its hosted service,
        // which would make a key ring at every start, stays out.
        Assert.NotNull(fixture.Api.Services.GetService<IDataProtectionProvider>());
        var repository = fixture.Api.Services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlRepository;
        Assert.IsType<EntityFrameworkCoreXmlRepository<InventoryDbContext>>(repository);
        Assert.DoesNotContain(fixture.Api.Services.GetServices<IHostedService>(),
            service => service.GetType().Namespace?.StartsWith(
                "Microsoft.AspNetCore.DataProtection", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Api_keys_never_reach_the_logs()
    {
        var logs = new CapturedLogs();
        await using var api = new ApiFactory(await postgres.CreateDatabaseAsync("keylogs"), logs: logs);
        await api.WaitForStatusAsync("/health", HttpStatusCode.OK);
        const string wrongKey = "wrong-key-that-must-not-be-logged-41c9";

        foreach (var key in new[] { TestApiKeys.Reader, TestApiKeys.Operator, TestApiKeys.Admin, wrongKey })
        {
            using var client = api.CreateClient(key);
            using var read = await client.GetAsync("/api/items", Ct);
            using var write = await client.PostAsJsonAsync(
                "/api/locations", new { code = ApiFixture.Unique("K"), name = "k" }, Ct);
        }

        Assert.NotEmpty(logs.Lines);
        Assert.Contains(logs.Lines,
            l => l.Contains("/api/items", StringComparison.Ordinal) || l.Contains("ApiKey", StringComparison.Ordinal));
        foreach (var secret in new[] { TestApiKeys.Reader, TestApiKeys.Operator, TestApiKeys.Admin, wrongKey })
        {
            Assert.DoesNotContain(logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_key_over_its_rate_limit_gets_429_with_retry_after_while_other_keys_go_on()
    {
        await using var api =
            await StartRateLimitedAsync("ratelimit", tokenLimit: 5, tokensPerPeriod: 1, period: "00:01:00");
        using var reader = api.CreateClient(TestApiKeys.Reader);
        using var admin = api.CreateClient(TestApiKeys.Admin);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            using var response = await reader.GetAsync("/api/locations", Ct);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await response.ReadProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
                var retryAfter = int.Parse(
                    response.Headers.GetValues("Retry-After").Single(),
                    System.Globalization.CultureInfo.InvariantCulture);
                Assert.InRange(retryAfter, 1, 60);
            }
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 5).Concat(
            Enumerable.Repeat(HttpStatusCode.TooManyRequests, 2)), statuses);
        using var other = await admin.GetAsync("/api/locations", Ct);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        using var health = await reader.GetAsync("/health", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task A_key_over_its_rate_limit_is_served_again_once_its_bucket_refills()
    {
        await using var api =
            await StartRateLimitedAsync("ratelimitrefill", tokenLimit: 2, tokensPerPeriod: 2, period: "00:00:00.500");
        using var reader = api.CreateClient(TestApiKeys.Reader);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await reader.GetAsync("/api/locations", Ct);
            statuses.Add(response.StatusCode);
        }
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);

        // Refilled within a few periods (the limiter replenishes its buckets on its own timer); 10 s is far beyond
        // that.
        var served = false;
        for (var deadline = DateTime.UtcNow.AddSeconds(10); !served && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(100, Ct);
            using var response = await reader.GetAsync("/api/locations", Ct);
            served = response.StatusCode == HttpStatusCode.OK;
        }
        Assert.True(served, "the key was still refused 10 s after its bucket should have refilled");
    }

    /// <summary>An API on a database of its own, with these token-bucket settings, answering /health.</summary>
    private async Task<ApiFactory> StartRateLimitedAsync(
        string database, int tokenLimit, int tokensPerPeriod, string period)
    {
        var api = new ApiFactory(await postgres.CreateDatabaseAsync(database), new Dictionary<string, string?>
        {
            ["RateLimiting:TokenLimit"] = tokenLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RateLimiting:TokensPerPeriod"] =
                tokensPerPeriod.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RateLimiting:ReplenishmentPeriod"] = period,
        });
        try
        {
            await api.WaitForStatusAsync("/health", HttpStatusCode.OK);
            return api;
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }
    }
}
