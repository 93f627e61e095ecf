using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using Inventory.Api.Versioning;
using Inventory.Tests.Infrastructure.ApiTests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>
/// Guessing keys costs: after a set number of failed attempts per minute from one client address, that address gets
/// 429s; X-Forwarded-For names the client only when the configured proxy sends it; each failure is logged (with a
/// fingerprint, never the key) and counted.
/// </summary>
public sealed class FailedAuthThrottlingTests(PostgresServer postgres)
{
    private const string Proxy = "10.9.0.2";
    private const string WrongKey = "guessed-key-that-must-not-be-logged-7d31";

    [Fact]
    public async Task An_address_over_its_failed_attempts_gets_429_even_with_a_good_key_while_others_go_on()
    {
        await using var api = await StartAsync("auththrottle", new CapturedLogs());
        using var guesser = Client(api, "203.0.113.7", WrongKey);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await guesser.GetAsync("/api/locations", Ct);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await response.ReadProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
                var retryAfter = int.Parse(response.Headers.GetValues("Retry-After").Single(),
                    CultureInfo.InvariantCulture);
                Assert.InRange(retryAfter, 1, 60);
            }
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 3),
            .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 2)], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(api, "203.0.113.7", TestApiKeys.Reader));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(api, "203.0.113.8", TestApiKeys.Reader));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(api, "203.0.113.8", WrongKey));
    }

    [Fact]
    public async Task Forwarded_for_names_the_client_only_when_the_configured_proxy_sends_it()
    {
        await using var api = await StartAsync("authforwarded", new CapturedLogs());
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(api, Proxy, WrongKey, "198.51.100.1"));
        }

        // The proxy's client 198.51.100.1 is throttled; another client behind the same proxy is not.
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(api, Proxy, TestApiKeys.Reader, "198.51.100.1"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(api, Proxy, TestApiKeys.Reader, "198.51.100.2"));
        // A client that is not the proxy cannot choose its address: its own is the one throttled.
        for (var i = 0; i < 3; i++)
        {
            await StatusAsync(api, "203.0.113.9", WrongKey, $"198.51.100.{10 + i}");
        }
        Assert.Equal(HttpStatusCode.TooManyRequests,
            await StatusAsync(api, "203.0.113.9", TestApiKeys.Reader, "198.51.100.20"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(api, Proxy, TestApiKeys.Reader, "198.51.100.10"));
    }

    [Fact]
    public async Task Each_failure_is_logged_with_a_fingerprint_of_the_key_and_counted()
    {
        var logs = new CapturedLogs();
        await using var api = await StartAsync("authfailurelog", logs);
        long counted = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Inventory.Api" && instrument.Name == "inventory.auth.failures")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        listener.Start();

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(api, "203.0.113.50", WrongKey));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(api, "203.0.113.51", WrongKey));

        var fingerprint = TestApiKeys.Sha256(WrongKey)[..8];
        var warnings = logs.Lines.Where(l => l.Contains(fingerprint, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Contains("Warning", w, StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("203.0.113.51", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains(WrongKey, StringComparison.Ordinal));
        Assert.True(Interlocked.Read(ref counted) >= 2, $"counted {counted} failures");
    }

    [Fact]
    public async Task A_bad_limit_or_proxy_setting_stops_the_start_naming_it()
    {
        var explained = await InvalidSettings.ExplanationAsync(postgres, new Dictionary<string, string?>
        {
            ["AuthThrottling:FailuresPerMinute"] = "0",
            ["ForwardedHeaders:KnownProxies:0"] = "nginx",
            ["ForwardedHeaders:KnownNetworks:0"] = "172.18.0.0",
        });

        string[] named = ["AuthThrottling:FailuresPerMinute", "ForwardedHeaders:KnownProxies:0",
            "ForwardedHeaders:KnownNetworks:0"];
        foreach (var setting in named)
        {
            Assert.Contains(setting, explained, StringComparison.Ordinal);
        }
    }

    /// <summary>The API with 3 failed attempts a minute per address, <see cref="Proxy"/> as its proxy, and the
    /// test's choice of client address (header <c>X-Test-Remote</c>, as a connection would give it).</summary>
    private async Task<WebApplicationFactoryOfApi> StartAsync(string database, CapturedLogs logs)
    {
        var root = new ApiFactory(await postgres.CreateDatabaseAsync(database), new Dictionary<string, string?>
        {
            ["AuthThrottling:FailuresPerMinute"] = "3",
            ["ForwardedHeaders:KnownProxies:0"] = Proxy,
        }, logs);
        var api = new WebApplicationFactoryOfApi(root, root.WithWebHostBuilder(web => web.ConfigureTestServices(
            services => services.AddSingleton<IStartupFilter, RemoteAddressFromHeader>())));
        using var probe = api.Factory.CreateClient();
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(200, Ct))
        {
            using var health = await probe.GetAsync("/health", Ct);
            if (health.StatusCode == HttpStatusCode.OK || DateTime.UtcNow > deadline)
            {
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                return api;
            }
        }
    }

    private static HttpClient Client(
        WebApplicationFactoryOfApi api, string remote, string key, string? forwardedFor = null)
    {
        var client = api.Factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Test-Remote", remote);
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        if (forwardedFor is not null)
        {
            client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        }
        return client;
    }

    private static async Task<HttpStatusCode> StatusAsync(
        WebApplicationFactoryOfApi api, string remote, string key, string? forwardedFor = null)
    {
        using var client = Client(api, remote, key, forwardedFor);
        using var response = await client.GetAsync("/api/locations", Ct);
        return response.StatusCode;
    }

    /// <summary>The configured API and the factory that adds the test's remote-address seam to it.</summary>
    private sealed class WebApplicationFactoryOfApi(ApiFactory root, WebApplicationFactory<BuildInfo> factory)
        : IAsyncDisposable
    {
        public ApiFactory Root { get; } = root;
        public WebApplicationFactory<BuildInfo> Factory { get; } = factory;

        public async ValueTask DisposeAsync()
        {
            await Factory.DisposeAsync();
            await Root.DisposeAsync();
        }
    }

    /// <summary>The in-memory server has no connection address: this sets it the way a socket would.</summary>
    private sealed class RemoteAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers["X-Test-Remote"].ToString(), out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                }
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
