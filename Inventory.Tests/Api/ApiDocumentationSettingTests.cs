using Inventory.Tests.Infrastructure.ApiTests;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>OpenAPI and Scalar are public only where the setting says so, and the document is built once.</summary>
public sealed class ApiDocumentationSettingTests(PostgresServer postgres)
{
    [Theory]
    [InlineData("Production", null, HttpStatusCode.NotFound)]
    [InlineData("Production", "true", HttpStatusCode.OK)]
    [InlineData("Testing", "false", HttpStatusCode.NotFound)]
    [InlineData("Development", null, HttpStatusCode.OK)]
    public async Task The_documentation_is_public_only_where_the_setting_says(
        string environment, string? setting, HttpStatusCode expected)
    {
        var settings = new Dictionary<string, string?> { ["environment"] = environment };
        if (setting is not null)
        {
            settings["ApiDocumentation:Public"] = setting;
        }
        await using var api = new ApiFactory(await postgres.CreateDatabaseAsync("docs"), settings);
        await api.WaitForStatusAsync("/health", HttpStatusCode.OK);
        using var client = api.CreateClient();

        foreach (var path in new[] { "/openapi/v1.json", "/scalar/" })
        {
            using var response = await client.GetAsync(path, Ct);
            Assert.True(expected == response.StatusCode, $"{environment}, {setting ?? "unset"}: {path} answered " +
                $"{(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task The_document_is_built_once_however_often_it_is_read()
    {
        var builds = 0;
        await using var root = new ApiFactory(await postgres.CreateDatabaseAsync("docscache"));
        await using var api = root.WithWebHostBuilder(web => web.ConfigureTestServices(services =>
            services.Configure<OpenApiOptions>("v1", options => options.AddDocumentTransformer((_, _, _) =>
            {
                Interlocked.Increment(ref builds);
                return Task.CompletedTask;
            }))));
        using var client = api.CreateClient();

        var bodies = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync("/openapi/v1.json", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            bodies.Add(await response.Content.ReadAsStringAsync(Ct));
        }

        Assert.Equal(1, builds);
        Assert.Single(bodies.Distinct());
    }
}
