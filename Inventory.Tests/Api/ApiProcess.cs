using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.ApiTests;

namespace Inventory.Tests.Api;

/// <summary>The built API as its own process in Production, logging one line per event, until it exits.</summary>
internal static class ApiProcess
{
    public static Task<ProcessResult> RunUntilExitAsync(string connectionString) =>
        ProcessRunner.RunAsync("dotnet",
            [Path.Combine(RepositoryPaths.BuildOutput("Inventory.Api"), "Inventory.Api.dll")],
            new Dictionary<string, string?>(TestApiKeys.EnvironmentVariables)
            {
                ["ConnectionStrings__inventorydb"] = connectionString,
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Logging__Console__FormatterName"] = "simple",
                ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            },
            timeout: TimeSpan.FromSeconds(90),
            cancellationToken: TestContext.Current.CancellationToken);
}
