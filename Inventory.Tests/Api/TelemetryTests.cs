using Inventory.Api.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Inventory.Tests.Api;

/// <summary>
/// Traces and metrics are collected when an OTLP endpoint is configured (the AppHost sets one) and not at all without
/// one: an activity per request and per database command that nothing exports only costs CPU.
/// </summary>
public sealed class TelemetryTests
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("http://127.0.0.1:4317", true)]
    public void Traces_and_metrics_are_collected_only_with_an_otlp_endpoint(string? endpoint, bool collected)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration["ConnectionStrings:" + DatabaseExtensions.ConnectionName] =
            "Host=127.0.0.1;Database=unused";
        if (endpoint is not null)
        {
            builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint;
        }
        builder.AddServiceDefaults();
        builder.AddInventoryDatabase();
        using var services = builder.Services.BuildServiceProvider();

        Assert.Equal(collected, services.GetService<TracerProvider>() is not null);
        Assert.Equal(collected, services.GetService<MeterProvider>() is not null);
    }
}
