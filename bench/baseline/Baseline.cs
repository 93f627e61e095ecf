#!/usr/bin/env dotnet
// The benchmark's raw baseline: the practical ceiling of this stack (Kestrel + Npgsql on .NET 10) for three of the
// Inventory API's routes, with hand-written SQL on the API's own tables. It does the same work as the API for
// `GET /api/items` (first page and keyset cursor), `GET /api/items/{sku}` and `POST /api/stock/issues`: the same
// X-Api-Key check (SHA-256 of the key, compared in constant time), the same statements and row locks, the same
// transaction, the same JSON shape, the same pool settings (automatic statement preparation, no reset on close). It
// leaves out what a product needs and a ceiling does not: rate limiting, OpenAPI metadata, validation beyond the
// basics, idempotency, telemetry, logging.
//
//   BASELINE_CONNECTION_STRING=… BASELINE_API_KEY_SHA256=<hex> ASPNETCORE_URLS=http://127.0.0.1:PORT \
//     dotnet run -c Release bench/baseline/Baseline.cs
//
// bench/run.sh builds and starts it; nothing else uses it.
#:sdk Microsoft.NET.Sdk.Web
#:package Npgsql@10.0.3
#:property PublishAot=false
#:include ItemsBaseline.cs
#:include StockBaseline.cs
#:include BaselineJson.cs

using System.Security.Cryptography;
using System.Text;
using Npgsql;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.ConfigureHttpJsonOptions(o =>
    o.SerializerOptions.TypeInfoResolverChain.Insert(0, BaselineJson.Default));

var connectionString = Required("BASELINE_CONNECTION_STRING");
var keyHash = Convert.FromHexString(Required("BASELINE_API_KEY_SHA256"));
// Prepared statements and no reset of a connection handed back to the pool, as the API's own pool has them
// (Inventory.Api/Data/DatabaseExtensions.cs).
var dataSource = new NpgsqlDataSourceBuilder(connectionString);
dataSource.ConnectionStringBuilder.MaxAutoPrepare = 32;
dataSource.ConnectionStringBuilder.NoResetOnClose = true;
await using var database = dataSource.Build();

var app = builder.Build();
var items = new ItemsBaseline(database);
var stock = new StockBaseline(database);
app.MapGet("/health", () => "Healthy");
app.MapGet("/api/items", (HttpContext http) => Authorized(http) ? items.ListAsync(http) : Unauthorized(http));
app.MapGet("/api/items/{sku}", (HttpContext http, string sku) =>
    Authorized(http) ? items.GetAsync(http, sku) : Unauthorized(http));
app.MapPost("/api/stock/issues", (HttpContext http) => Authorized(http) ? stock.IssueAsync(http) : Unauthorized(http));
await app.RunAsync();

string Required(string name) =>
    Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"{name} is required");

bool Authorized(HttpContext http)
{
    if (!http.Request.Headers.TryGetValue("X-Api-Key", out var values) || values.Count != 1
        || string.IsNullOrEmpty(values[0]))
    {
        return false;
    }
    Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
    SHA256.HashData(Encoding.UTF8.GetBytes(values[0]!), hash);
    return CryptographicOperations.FixedTimeEquals(hash, keyHash);
}

static Task Unauthorized(HttpContext http)
{
    http.Response.StatusCode = StatusCodes.Status401Unauthorized;
    return Task.CompletedTask;
}
