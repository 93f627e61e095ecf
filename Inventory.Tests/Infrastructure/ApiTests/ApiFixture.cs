using Inventory.Api.Data;
using Inventory.Api.Stock;
using Microsoft.Extensions.DependencyInjection;

namespace Inventory.Tests.Infrastructure.ApiTests;

/// <summary>
/// The API on a fresh database of its own, healthy before a test class's first test, with a client per role.
/// Tests of one class share it, so each test names its own items and locations (<see cref="Unique"/>).
/// </summary>
public sealed class ApiFixture(PostgresServer postgres) : IAsyncLifetime
{
    private ApiFactory? _api;

    public ApiFactory Api => _api ?? throw new InvalidOperationException("The fixture is not initialized.");
    public HttpClient Anonymous { get; private set; } = null!;
    public HttpClient Reader { get; private set; } = null!;
    public HttpClient Operator { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _api = new ApiFactory(await postgres.CreateDatabaseAsync("api"));
        await _api.WaitForStatusAsync("/health", HttpStatusCode.OK);
        Anonymous = _api.CreateClient();
        Reader = _api.CreateClient(TestApiKeys.Reader);
        Operator = _api.CreateClient(TestApiKeys.Operator);
        Admin = _api.CreateClient(TestApiKeys.Admin);
    }

    /// <summary>A code no other test uses: <paramref name="prefix"/> and 8 hex digits.</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Runs <paramref name="work"/> with the API's own DbContext in a fresh scope.</summary>
    public async Task<T> WithDatabaseAsync<T>(Func<InventoryDbContext, Task<T>> work)
    {
        await using var scope = Api.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<InventoryDbContext>());
    }

    /// <summary>
    /// Every (item, location) whose ledger sum differs from its stock on hand: empty when the books balance.
    /// </summary>
    public async Task<IReadOnlyList<LedgerMismatch>> LedgerMismatchesAsync()
    {
        await using var scope = Api.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<StockLedger>().FindMismatchesAsync(
            CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in new[] { Anonymous, Reader, Operator, Admin }.Where(c => c is not null))
        {
            client.Dispose();
        }
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }
    }
}
