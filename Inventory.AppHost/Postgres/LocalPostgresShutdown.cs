using System.Runtime.Versioning;
using Microsoft.Extensions.Hosting;

namespace Inventory.AppHost.Postgres;

/// <summary>Stops the local cluster cleanly when the AppHost stops (and deletes a throwaway one).</summary>
[UnsupportedOSPlatform("windows")]
internal sealed class LocalPostgresShutdown(
    LocalPostgresCluster cluster, bool deleteOnStop, IHostApplicationLifetime lifetime)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(cluster.Stop);
        if (deleteOnStop)
        {
            lifetime.ApplicationStopped.Register(() => Directory.Delete(cluster.Root, recursive: true));
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}