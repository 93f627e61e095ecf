using Inventory.Api.Data;
using Inventory.Api.Versioning;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddInventoryDatabase();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapVersionApi();

app.Run();
