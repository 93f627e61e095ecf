using System.Security.Cryptography;
using System.Text;
using Inventory.AppHost.Postgres;

var builder = DistributedApplication.CreateBuilder(args);

IResourceBuilder<IResourceWithConnectionString> database;
try
{
    database = builder.AddInventoryDatabase();
}
catch (PostgresUnavailableException ex)
{
    Console.Error.WriteLine($"Inventory.AppHost cannot start: {ex.Message}");
    return 1;
}

// The development Admin API key: generated once, kept in this project's user secrets (Parameters:api-admin-key).
// The API is given only its SHA-256, as production would be.
var adminKey = builder
    .AddParameter("api-admin-key", new GenerateParameterDefault { MinLength = 32, Special = false },
        secret: true, persist: true)
    .WithDescription("""
        Development **Admin** API key: send it as the `X-Api-Key` header. Reveal it here, or run
        `dotnet user-secrets list --project Inventory.AppHost` (key `Parameters:api-admin-key`).
        """, enableMarkdown: true);

// The development portal admin (user "admin"), made by the API at its first start on an empty database; the password
// is generated once and kept in user secrets (Parameters:portal-admin-password), and must be changed at first sign-in.
var portalAdminPassword = builder
    .AddParameter("portal-admin-password", new GenerateParameterDefault { MinLength = 24, Special = false },
        secret: true, persist: true)
    .WithDescription("""
        Development **portal** password of the user `admin` (open the api's "Portal" link, sign in, then choose a new
        password). Reveal it here, or run `dotnet user-secrets list --project Inventory.AppHost` (key
        `Parameters:portal-admin-password`). Used only when the database has no portal user yet.
        """, enableMarkdown: true);

builder.AddProject<Projects.Inventory_Api>("api")
    .WithReference(database)
    .WaitFor(database)
    .WithHttpHealthCheck("/health")
    .WithEnvironment("Auth__ApiKeys__0__Name", "dev-admin")
    .WithEnvironment("Auth__ApiKeys__0__Role", "Admin")
    .WithEnvironment(async context =>
    {
        if (context.ExecutionContext.IsPublishMode)
        {
            // A deployment configures its own keys (Auth__ApiKeys__N__…); the development key stays on this machine.
            return;
        }
        var key = await adminKey.Resource.GetValueAsync(context.CancellationToken) ?? "";
        context.EnvironmentVariables["Auth__ApiKeys__0__Sha256"] =
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        context.EnvironmentVariables["Portal__InitialAdmin__UserName"] = "admin";
        context.EnvironmentVariables["Portal__InitialAdmin__Password"] =
            await portalAdminPassword.Resource.GetValueAsync(context.CancellationToken) ?? "";
    })
    // The portal beside the API's own links in the dashboard.
    .WithUrls(context =>
    {
        foreach (var url in context.Urls.Where(u => u.Endpoint is not null).ToList())
        {
            context.Urls.Add(new ResourceUrlAnnotation
            {
                Url = url.Url.TrimEnd('/') + "/account/signin",
                DisplayText = $"Portal ({url.Endpoint!.EndpointName})",
                Endpoint = url.Endpoint,
            });
        }
    })
    // Honoured only in the Development environment: a small catalogue to try the API with, seeded once.
    .WithEnvironment("Seeding__Enabled", "true");

builder.Build().Run();
return 0;
