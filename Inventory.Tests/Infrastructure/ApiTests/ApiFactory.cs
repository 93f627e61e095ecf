using Inventory.Api.Versioning;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace Inventory.Tests.Infrastructure.ApiTests;

/// <summary>The real API, in memory, against a real PostgreSQL database given by connection string.</summary>
/// <remarks>
/// Keyed on <see cref="BuildInfo"/> (any public type of the API assembly will do): the AppHost's <c>Program</c>
/// is visible here too, so <c>Program</c> alone would be ambiguous. The <see cref="TestApiKeys"/> are configured;
/// <paramref name="settings"/> are applied after them. <paramref name="logs"/>, when given, receives every log message.
/// </remarks>
public sealed class ApiFactory(
    string connectionString, IReadOnlyDictionary<string, string?>? settings = null, ILoggerProvider? logs = null)
    : WebApplicationFactory<BuildInfo>
{
    public string ConnectionString { get; } = connectionString;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:inventorydb", ConnectionString);
        foreach (var (key, value) in TestApiKeys.Settings)
        {
            builder.UseSetting(key, value);
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
        if (logs is not null)
        {
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        }
    }

    /// <summary>A client that sends <paramref name="apiKey"/> as <c>X-Api-Key</c> on every request.</summary>
    public HttpClient CreateClient(string apiKey)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    /// <summary>
    /// Polls <paramref name="path"/> until it answers <paramref name="status"/>, or fails after
    /// <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitForStatusAsync(string path, HttpStatusCode status, TimeSpan? timeout = null)
    {
        using var client = CreateClient();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        HttpStatusCode last = 0;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync(path);
            last = response.StatusCode;
            if (last == status)
            {
                return;
            }
            await Task.Delay(200);
        }
        Assert.Fail($"{path} answered {(int)last} instead of {(int)status} "
            + $"for {(timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds:0} s.");
    }
}
