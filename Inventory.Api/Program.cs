using Inventory.Api;
using Inventory.Api.Auth;
using Inventory.Api.Data;
using Inventory.Api.Http;
using Inventory.Api.Portal;
using Inventory.Api.Portal.Pages;
using Inventory.Api.RateLimiting;
using Inventory.Api.Seeding;
using Inventory.Api.Stock;
using Inventory.Api.Versioning;

var builder = WebApplication.CreateBuilder(MigrateCommand.ConfigurationArgs(args));

builder.AddServiceDefaults();
builder.AddInventoryDatabase();
builder.AddApiErrors();
builder.AddApiJson();
builder.AddApiKeyAuthentication();
builder.AddPortal();
builder.AddPortalDataPages();
builder.AddApiRateLimiting();
builder.AddApiDocumentation();
builder.AddStockLedger();
builder.AddDevelopmentSeeding();

var app = builder.Build();
if (MigrateCommand.IsRequested(args))
{
    return await MigrateCommand.RunAsync(app, args);
}

app.UseForwardedHeaders();
app.UseApiErrors();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

app.MapDefaultEndpoints();
app.MapVersionApi();
app.MapApiDocumentation();
app.MapInventoryApi();
app.MapPortal();
app.MapPortalDataPages();

return app.RunOrExplain();
