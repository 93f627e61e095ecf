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

builder.AddProject<Projects.Inventory_Api>("api")
    .WithReference(database)
    .WaitFor(database)
    .WithHttpHealthCheck("/health");

builder.Build().Run();
return 0;
