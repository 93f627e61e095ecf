using System.Runtime.Versioning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Inventory.AppHost.Postgres;

/// <summary>
/// The <c>inventorydb</c> database for the API: a PostgreSQL container when a container engine answers, else a
/// cluster run from the machine's own PostgreSQL binaries, else one message naming both ways out.
/// Settings (section <c>Postgres</c>, env <c>Postgres__…</c>): <c>Mode</c>; <c>Persistent</c> (keep data across
/// runs, default true); <c>DataDirectory</c> (local mode, default <c>.data/postgres</c> in the AppHost folder);
/// <c>BinDirectory</c> (local mode, default: PATH, then <c>/usr/lib/postgresql/*/bin</c>); <c>ImageTag</c> (container
/// mode, default: the tag Aspire.Hosting.PostgreSQL pins).
/// </summary>
internal static class PostgresHosting
{
    public const string ServerName = "postgres";
    public const string DatabaseName = "inventorydb";

    private static readonly TimeSpan PullTimeout = TimeSpan.FromMinutes(10);

    public static IResourceBuilder<IResourceWithConnectionString> AddInventoryDatabase(
        this IDistributedApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection("Postgres");
        var mode = settings.GetValue("Mode", PostgresMode.Auto);
        var persistent = settings.GetValue("Persistent", true);

        if (builder.ExecutionContext.IsPublishMode)
        {
            return AddContainer(builder, engine: null, persistent, settings["ImageTag"]);
        }

        var engine = ContainerEngine.FromEnvironment();
        if (mode == PostgresMode.Container || (mode == PostgresMode.Auto && engine.Answers()))
        {
            return AddContainer(builder, engine, persistent, settings["ImageTag"]);
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PostgresUnavailableException(
                $"No container engine answered '{engine.Cli} info'. "
                + "On Windows the AppHost needs Docker Desktop or Podman to run PostgreSQL.");
        }

        var binaries = LocalPostgresBinaries.Find(settings["BinDirectory"]) ?? throw new PostgresUnavailableException(
            (mode == PostgresMode.Local
                ? "Postgres__Mode=Local, but "
                : $"No container engine answered '{engine.Cli} info', and ") +
            "no PostgreSQL server binaries (initdb, postgres, pg_ctl) were found on PATH or under " +
            "/usr/lib/postgresql/*/bin. Either start Docker (or Podman, with ASPIRE_CONTAINER_RUNTIME=podman), " +
            "or install the PostgreSQL server (e.g. 'apt-get install postgresql') " +
            "or point Postgres__BinDirectory at its bin folder.");

        return AddLocal(builder, binaries, settings["DataDirectory"], persistent, engine, mode);
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddContainer(
        IDistributedApplicationBuilder builder, ContainerEngine? engine, bool persistent, string? imageTag)
    {
        var server = builder.AddPostgres(ServerName);
        if (imageTag is { Length: > 0 })
        {
            server.WithImageTag(imageTag);
        }
        if (persistent)
        {
            server.WithDataVolume();
        }
        if (engine is not null)
        {
            EnsureImageAvailable(engine, server.Resource);
        }
        var database = server.AddDatabase(DatabaseName);
        return builder.CreateResourceBuilder<IResourceWithConnectionString>(database.Resource);
    }

    /// <summary>Aspire waits forever, silently, for an image the engine cannot pull: find out now, loudly.</summary>
    private static void EnsureImageAvailable(ContainerEngine engine, PostgresServerResource server)
    {
        var annotation = server.Annotations.OfType<ContainerImageAnnotation>().Last();
        var image = $"{annotation.Registry}/{annotation.Image}:{annotation.Tag}";
        if (engine.HasImage(image))
        {
            return;
        }

        Console.WriteLine($"Inventory.AppHost: pulling {image} …");
        var (ok, error) = engine.Pull(image, PullTimeout);
        if (!ok)
        {
            throw new PostgresUnavailableException(
                $"The container engine has no {image} and could not pull it ({FirstLine(error)}). " +
                $"Either make the image available ('{engine.Cli} pull {image}', or load and tag one), " +
                "or set Postgres__Mode=Local to run PostgreSQL from this machine's binaries.");
        }
    }

    [UnsupportedOSPlatform("windows")]
    private static IResourceBuilder<IResourceWithConnectionString> AddLocal(
        IDistributedApplicationBuilder builder, LocalPostgresBinaries binaries, string? dataDirectory, bool persistent,
        ContainerEngine engine, PostgresMode mode)
    {
        var throwaway = !persistent && string.IsNullOrEmpty(dataDirectory);
        var root = dataDirectory is { Length: > 0 } ? dataDirectory
            : throwaway ? Path.Combine(Path.GetTempPath(), $"inventory-postgres-{Guid.NewGuid():N}")
            : Path.Combine(builder.AppHostDirectory, ".data", "postgres");

        var cluster = new LocalPostgresCluster(binaries, root);
        if (mode == PostgresMode.Auto)
        {
            Console.WriteLine($"Inventory.AppHost: no container engine answered '{engine.Cli} info'; " +
                $"running PostgreSQL from {binaries.Directory} with its data in {cluster.Root}.");
        }
        var password = builder.AddParameter("postgres-password", cluster.EnsureInitialized(), secret: true);

        var server = builder
            .AddExecutable(ServerName, LocalPostgresCluster.ServerCommand(binaries.Postgres), cluster.Root,
                LocalPostgresCluster.ServerArguments(binaries.Postgres,
                    "-D", cluster.DataDirectory,
                    "-c", "listen_addresses=127.0.0.1",
                    // TCP only: no socket file, so no path-length or permission trouble in odd folders.
                    "-c", "unix_socket_directories="))
            .WithEndpoint(name: "tcp", scheme: "tcp");
        var endpoint = server.GetEndpoint("tcp");
        server.WithArgs(context =>
        {
            context.Args.Add("-p");
            context.Args.Add(endpoint.Property(EndpointProperty.TargetPort));
        });

        var serverConnection = ReferenceExpression.Create(
            $"Host={endpoint.Property(EndpointProperty.Host)};Port={endpoint.Property(EndpointProperty.Port)};"
            + $"Username={LocalPostgresCluster.SuperUser};Password={password}");

        string? resolvedServerConnection = null;
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(server.Resource, async (_, ct) =>
            resolvedServerConnection = await serverConnection.GetValueAsync(ct));
        var healthCheckKey = $"{ServerName}_check";
        builder.Services.AddHealthChecks().AddNpgSql(
            _ => resolvedServerConnection
                ?? throw new InvalidOperationException("PostgreSQL has not been started yet."),
            name: healthCheckKey);
        server.WithHealthCheck(healthCheckKey);

        builder.Services.AddSingleton<IHostedService>(services =>
            new LocalPostgresShutdown(cluster, throwaway, services.GetRequiredService<IHostApplicationLifetime>()));

        // The connection string resource has no health of its own: without WaitFor it would be "ready"
        // before the server is, and the API's WaitFor would wait for nothing.
        return builder
            .AddConnectionString(DatabaseName,
                ReferenceExpression.Create($"{serverConnection};Database={DatabaseName}"))
            .WaitFor(server);
    }

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
            ?? "no error text";
}