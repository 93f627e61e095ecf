using System.Net.Http.Json;
using System.Text.Json;
using Inventory.Tests.Infrastructure.ApiTests;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>Receipts, issues, transfers, counts and the item's ledger: every success and every refusal.</summary>
public sealed class StockApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_receipt_adds_stock_and_answers_the_movement()
    {
        var (sku, location) = await fixture.Admin.CreateItemAndLocationAsync("SKU");

        using var response = await fixture.Operator.PostAsJsonAsync("/api/stock/receipts",
            new { sku = sku.ToLowerInvariant(), location, quantity = 12, reason = "PO arrived",
                reference = "PO-7781" }, Ct);

        var movement = await response.ReadJsonAsync(HttpStatusCode.Created);
        Assert.True(movement.GetProperty("id").GetInt64() > 0);
        Assert.Equal("receipt", movement.GetProperty("type").GetString());
        Assert.Equal(sku, movement.GetProperty("sku").GetString());
        Assert.Equal(location, movement.GetProperty("location").GetString());
        Assert.Equal(12, movement.GetProperty("quantity").GetInt64());
        Assert.Equal(12, movement.GetProperty("onHandAfter").GetInt64());
        Assert.Equal(TestApiKeys.OperatorName, movement.GetProperty("actor").GetString());
        Assert.Equal("PO arrived", movement.GetProperty("reason").GetString());
        Assert.Equal("PO-7781", movement.GetProperty("reference").GetString());
        Assert.True(movement.GetProperty("at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Equal(12, await fixture.Reader.OnHandAsync(sku));
    }

    [Fact]
    public async Task An_issue_removes_stock_and_one_that_would_go_below_zero_is_409_changing_nothing()
    {
        var (sku, location) = await fixture.Admin.CreateItemAndLocationAsync("SKU");
        await fixture.Operator.ReceiveAsync(sku, location, 5);

        using (var issue = await fixture.Operator.PostAsJsonAsync(
            "/api/stock/issues", new { sku, location, quantity = 3 }, Ct))
        {
            var movement = await issue.ReadJsonAsync(HttpStatusCode.Created);
            Assert.Equal("issue", movement.GetProperty("type").GetString());
            Assert.Equal(2, movement.GetProperty("onHandAfter").GetInt64());
        }

        using var refused = await fixture.Operator.PostAsJsonAsync(
            "/api/stock/issues", new { sku, location, quantity = 3 }, Ct);
        var problem = await refused.ReadProblemAsync(HttpStatusCode.Conflict, "insufficient-stock");
        Assert.Equal(2, problem.GetProperty("available").GetInt64());
        Assert.Equal(3, problem.GetProperty("requested").GetInt64());
        Assert.Equal(2, await fixture.Reader.OnHandAsync(sku));
        Assert.Equal(2, await fixture.Reader.MovementCountAsync(sku));
    }

    [Fact]
    public async Task An_issue_from_a_location_that_never_held_the_item_is_409()
    {
        var (sku, location) = await fixture.Admin.CreateItemAndLocationAsync("SKU");

        using var response = await fixture.Operator.PostAsJsonAsync(
            "/api/stock/issues", new { sku, location, quantity = 1 }, Ct);

        var problem = await response.ReadProblemAsync(HttpStatusCode.Conflict, "insufficient-stock");
        Assert.Equal(0, problem.GetProperty("available").GetInt64());
    }

    [Fact]
    public async Task A_transfer_moves_stock_atomically_and_one_short_of_stock_is_409()
    {
        var (sku, from) = await fixture.Admin.CreateItemAndLocationAsync("SKU");
        var to = ApiFixture.Unique("TO");
        await fixture.Admin.CreateLocationAsync(to);
        await fixture.Operator.ReceiveAsync(sku, from, 10);

        using (var transfer = await fixture.Operator.PostAsJsonAsync("/api/stock/transfers",
            new { sku, fromLocation = from, toLocation = to.ToLowerInvariant(), quantity = 4,
                reason = "rebalance" }, Ct))
        {
            var movement = await transfer.ReadJsonAsync(HttpStatusCode.Created);
            Assert.Equal("transfer", movement.GetProperty("type").GetString());
            Assert.Equal(from, movement.GetProperty("fromLocation").GetString());
            Assert.Equal(to, movement.GetProperty("toLocation").GetString());
            Assert.Equal(JsonValueKind.Null, movement.GetProperty("location").ValueKind);
            Assert.Equal(6, movement.GetProperty("onHandAfter").GetInt64());
            Assert.Equal(4, movement.GetProperty("toOnHandAfter").GetInt64());
        }

        using var short_ = await fixture.Operator.PostAsJsonAsync("/api/stock/transfers",
            new { sku, fromLocation = from, toLocation = to, quantity = 7 }, Ct);
        await short_.ReadProblemAsync(HttpStatusCode.Conflict, "insufficient-stock");
        Assert.Equal(6, await fixture.Reader.QuantityAtAsync(sku, from));
        Assert.Equal(4, await fixture.Reader.QuantityAtAsync(sku, to));
        Assert.Equal(10, await fixture.Reader.OnHandAsync(sku));
    }

    [Fact]
    public async Task A_count_sets_the_quantity_and_records_the_signed_difference()
    {
        var (sku, location) = await fixture.Admin.CreateItemAndLocationAsync("SKU");
        await fixture.Operator.ReceiveAsync(sku, location, 10);

        using (var down = await fixture.Operator.PostAsJsonAsync("/api/stock/counts",
            new { sku, location, countedQuantity = 7, reason = "cycle count" }, Ct))
        {
            var movement = await down.ReadJsonAsync(HttpStatusCode.Created);
            Assert.Equal("count", movement.GetProperty("type").GetString());
            Assert.Equal(-3, movement.GetProperty("quantity").GetInt64());
            Assert.Equal(7, movement.GetProperty("countedQuantity").GetInt64());
            Assert.Equal(7, movement.GetProperty("onHandAfter").GetInt64());
        }
        var elsewhere = ApiFixture.Unique("FOUND");
        await fixture.Admin.CreateLocationAsync(elsewhere);
        using (var found = await fixture.Operator.PostAsJsonAsync("/api/stock/counts",
            new { sku, location = elsewhere, countedQuantity = 2, reason = "found on a shelf" }, Ct))
        {
            Assert.Equal(2, (await found.ReadJsonAsync(HttpStatusCode.Created)).GetProperty("quantity").GetInt64());
        }

        Assert.Equal(9, await fixture.Reader.OnHandAsync(sku));
        Assert.Empty(await fixture.LedgerMismatchesAsync());
    }

    [Theory]
    [InlineData("receipts")]
    [InlineData("issues")]
    [InlineData("transfers")]
    [InlineData("counts")]
    public async Task Unknown_item_or_location_is_404_and_an_archived_item_is_409(string kind)
    {
        var (sku, location) = await fixture.Admin.CreateItemAndLocationAsync("SKU");
        var other = ApiFixture.Unique("OTHER");
        await fixture.Admin.CreateLocationAsync(other);

        using (var unknownItem = await PostAsync(kind, ApiFixture.Unique("ghost"), location, other))
        {
            await unknownItem.ReadProblemAsync(HttpStatusCode.NotFound, "item-not-found");
        }
        using (var unknownLocation = await PostAsync(kind, sku, ApiFixture.Unique("nowhere"), other))
        {
            await unknownLocation.ReadProblemAsync(HttpStatusCode.NotFound, "location-not-found");
        }
        if (kind == "transfers")
        {
            using var unknownDestination = await PostAsync(kind, sku, location, ApiFixture.Unique("nowhere"));
            await unknownDestination.ReadProblemAsync(HttpStatusCode.NotFound, "location-not-found");
        }

        using (var archive = await fixture.Admin.DeleteAsync($"/api/items/{sku}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, archive.StatusCode);
        }
        using var archived = await PostAsync(kind, sku, location, other);
        await archived.ReadProblemAsync(HttpStatusCode.Conflict, "item-archived");
        Assert.Equal(0, await fixture.Reader.MovementCountAsync(sku));
    }

    [Theory]
    [InlineData("receipts", """{"sku":"A","location":"B","quantity":0}""", "quantity")]
    [InlineData("issues", """{"sku":"A","location":"B"}""", "quantity")]
    [InlineData("issues", """{"sku":"A","location":"B","quantity":1000000001}""", "quantity")]
    [InlineData("receipts", """{"location":"B","quantity":1}""", "sku")]
    [InlineData("receipts", """{"sku":"A","location":"b c","quantity":1}""", "location")]
    [InlineData("transfers", """{"sku":"A","fromLocation":"B","toLocation":"b","quantity":1}""", "toLocation")]
    [InlineData("transfers", """{"sku":"A","fromLocation":"B","quantity":1}""", "toLocation")]
    [InlineData("counts", """{"sku":"A","location":"B","countedQuantity":3}""", "reason")]
    [InlineData("counts", """{"sku":"A","location":"B","countedQuantity":-1,"reason":"x"}""", "countedQuantity")]
    public async Task Invalid_movements_are_400_naming_the_field(string kind, string json, string field)
    {
        using var response = await fixture.Operator.PostJsonTextAsync($"/api/stock/{kind}", json);

        await response.ReadValidationProblemAsync(field);
    }

    [Fact]
    public async Task The_ledger_lists_an_items_movements_newest_first_in_pages()
    {
        var (sku, location) = await fixture.Admin.CreateItemAndLocationAsync("SKU");
        for (var i = 1; i <= 7; i++)
        {
            await fixture.Operator.ReceiveAsync(sku, location, i);
        }

        var quantities = new List<long>();
        string? cursor = null;
        do
        {
            using var response = await fixture.Reader.GetAsync(
                $"/api/items/{sku}/movements?limit=3" + (cursor is null ? "" : $"&cursor={cursor}"), Ct);
            var page = await response.ReadJsonAsync(HttpStatusCode.OK);
            quantities.AddRange(page.GetProperty("items").EnumerateArray().Select(
                m => m.GetProperty("quantity").GetInt64()));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal([7, 6, 5, 4, 3, 2, 1], quantities);
    }

    [Fact]
    public async Task The_ledger_of_an_unknown_item_is_404_and_a_bad_cursor_400()
    {
        using (var unknown = await fixture.Reader.GetAsync($"/api/items/{ApiFixture.Unique("ghost")}/movements", Ct))
        {
            await unknown.ReadProblemAsync(HttpStatusCode.NotFound, "item-not-found");
        }
        var (sku, _) = await fixture.Admin.CreateItemAndLocationAsync("SKU");
        // A second item, so a one-item page has a next cursor whichever tests of this class ran before.
        await fixture.Admin.CreateItemAndLocationAsync("SKU");
        using (var items = await fixture.Reader.GetAsync($"/api/items?limit=1", Ct))
        {
            // An items cursor is not a ledger cursor.
            var itemsCursor = (await items.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("nextCursor").GetString();
            Assert.NotNull(itemsCursor);
            using var foreign = await fixture.Reader.GetAsync($"/api/items/{sku}/movements?cursor={itemsCursor}", Ct);
            await foreign.ReadValidationProblemAsync("cursor");
        }
        using var limit = await fixture.Reader.GetAsync($"/api/items/{sku}/movements?limit=500", Ct);
        await limit.ReadValidationProblemAsync("limit");
    }


    private Task<HttpResponseMessage> PostAsync(string kind, string sku, string location, string otherLocation) =>
        fixture.Operator.PostAsJsonAsync($"/api/stock/{kind}", kind switch
        {
            "transfers" => (object)new { sku, fromLocation = location, toLocation = otherLocation, quantity = 1 },
            "counts" => new { sku, location, countedQuantity = 1, reason = "count" },
            _ => new { sku, location, quantity = 1 },
        }, Ct);
}
