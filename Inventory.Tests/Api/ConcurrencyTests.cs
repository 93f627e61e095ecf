using System.Net.Http.Json;
using Inventory.Tests.Infrastructure.ApiTests;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>
/// Many requests at once against the same stock: no oversell, no lost update, the books always balance.
/// </summary>
public sealed class ConcurrencyTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Sixty_concurrent_issues_of_one_against_forty_on_hand_give_exactly_forty_201_and_twenty_409()
    {
        var sku = ApiFixture.Unique("HOT");
        var location = ApiFixture.Unique("BIN");
        await fixture.Admin.CreateItemAsync(sku);
        await fixture.Admin.CreateLocationAsync(location);
        await fixture.Operator.ReceiveAsync(sku, location, 40);

        using var start = new ManualResetEventSlim();
        var issues = Enumerable.Range(0, 60).Select(_ => Task.Run(async () =>
        {
            start.Wait(Ct);
            using var response = await fixture.Operator.PostAsJsonAsync(
                "/api/stock/issues", new { sku, location, quantity = 1 }, Ct);
            return response.StatusCode;
        })).ToList();
        start.Set();
        var statuses = await Task.WhenAll(issues);

        Assert.Equal(40, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(20, statuses.Count(s => s == HttpStatusCode.Conflict));
        Assert.Equal(0, await fixture.Reader.OnHandAsync(sku));
        Assert.Empty(await fixture.LedgerMismatchesAsync());
    }

    [Fact]
    public async Task Opposite_transfers_racing_with_issues_and_receipts_never_deadlock_into_errors_and_keep_the_books()
    {
        var sku = ApiFixture.Unique("SWAP");
        var (a, b) = (ApiFixture.Unique("A"), ApiFixture.Unique("B"));
        await fixture.Admin.CreateItemAsync(sku);
        await fixture.Admin.CreateLocationAsync(a);
        await fixture.Admin.CreateLocationAsync(b);
        await fixture.Operator.ReceiveAsync(sku, a, 50);
        await fixture.Operator.ReceiveAsync(sku, b, 50);

        var requests = Enumerable.Range(0, 80).Select(i => (i % 4) switch
        {
            0 => ("/api/stock/transfers", (object)new { sku, fromLocation = a, toLocation = b, quantity = 3 }),
            1 => ("/api/stock/transfers", new { sku, fromLocation = b, toLocation = a, quantity = 3 }),
            2 => ("/api/stock/issues", new { sku, location = i % 8 == 2 ? a : b, quantity = 2 }),
            _ => ("/api/stock/receipts", new { sku, location = i % 8 == 3 ? b : a, quantity = 1 }),
        }).ToList();

        var results = await Task.WhenAll(requests.Select(r => Task.Run(async () =>
        {
            using var response = await fixture.Operator.PostAsJsonAsync(r.Item1, r.Item2, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            return (response.StatusCode, body);
        })));

        Assert.All(results, r =>
            Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict,
            $"{(int)r.StatusCode}: {r.body}"));
        var issued = requests.Zip(results).Count(
            p => p.First.Item1.EndsWith("issues", StringComparison.Ordinal)
            && p.Second.StatusCode == HttpStatusCode.Created);
        var received = requests.Count(r => r.Item1.EndsWith("receipts", StringComparison.Ordinal));
        Assert.Equal(100 + received - 2 * issued, await fixture.Reader.OnHandAsync(sku));
        Assert.True(await fixture.Reader.QuantityAtAsync(sku, a) >= 0);
        Assert.Empty(await fixture.LedgerMismatchesAsync());
    }

    [Fact]
    public async Task Archiving_while_receipts_race_never_leaves_stock_on_an_archived_item()
    {
        for (var round = 0; round < 5; round++)
        {
            var sku = ApiFixture.Unique("ARCH");
            var location = ApiFixture.Unique("L");
            await fixture.Admin.CreateItemAsync(sku);
            await fixture.Admin.CreateLocationAsync(location);

            var receipts = Enumerable.Range(0, 10).Select(_ => Task.Run(async () =>
            {
                using var response = await fixture.Operator.PostAsJsonAsync(
                    "/api/stock/receipts", new { sku, location, quantity = 1 }, Ct);
                return response.StatusCode;
            })).ToList();
            var archive = Task.Run(async () =>
            {
                using var response = await fixture.Admin.DeleteAsync($"/api/items/{sku}", Ct);
                return response.StatusCode;
            });
            var statuses = await Task.WhenAll(receipts.Append(archive));

            Assert.All(statuses, s =>
                Assert.True(s is HttpStatusCode.Created or HttpStatusCode.Conflict or HttpStatusCode.NoContent,
                $"{s}"));
            using var get = await fixture.Reader.GetAsync($"/api/items/{sku}", Ct);
            var item = await get.ReadJsonAsync(HttpStatusCode.OK);
            var archived = item.GetProperty("archived").GetBoolean();
            var onHand = item.GetProperty("onHand").GetInt64();
            Assert.Equal(archived, await archive == HttpStatusCode.NoContent);
            Assert.False(archived && onHand > 0, $"Archived with {onHand} on hand.");
            Assert.Equal(statuses.Take(10).Count(s => s == HttpStatusCode.Created), onHand);
        }
        Assert.Empty(await fixture.LedgerMismatchesAsync());
    }
}
