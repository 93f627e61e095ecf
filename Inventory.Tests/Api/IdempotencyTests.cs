using System.Net.Http.Json;
using Inventory.Api.Data;
using Inventory.Api.Stock;
using Inventory.Tests.Infrastructure.ApiTests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>Idempotency-Key on stock POSTs: a retry replays the first answer and records nothing new.</summary>
public sealed class IdempotencyTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_retry_with_the_same_key_and_body_replays_status_and_body_and_records_nothing_new()
    {
        var (sku, location) = await fixture.Admin.CreateItemAndLocationAsync("IDEM");
        var key = Guid.NewGuid().ToString();
        // The same request, formatted differently: what counts is the request, not its whitespace.
        var body = $$"""{"sku":"{{sku}}","location":"{{location}}","quantity":5,"reference":"GRN-1"}""";
        var retry = $$"""{ "sku": "{{sku}}", "location": "{{location}}", "quantity": 5, "reference": "GRN-1" }""";

        using var first = await PostAsync("receipts", body, key);
        using var second = await PostAsync("receipts", retry, key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(Ct), await second.Content.ReadAsStringAsync(Ct));
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(5, await fixture.Reader.OnHandAsync(sku));
        Assert.Equal(1, await fixture.Reader.MovementCountAsync(sku));
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_422_and_changes_nothing()
    {
        var (sku, location) = await fixture.Admin.CreateItemAndLocationAsync("IDEM");
        var key = Guid.NewGuid().ToString();
        using var first = await fixture.Operator.SendAsync(
            Request("receipts", new { sku, location, quantity = 5 }, key), Ct);
        await first.ReadJsonAsync(HttpStatusCode.Created);

        using var different =
            await fixture.Operator.SendAsync(Request("receipts", new { sku, location, quantity = 6 }, key), Ct);
        using var otherRoute =
            await fixture.Operator.SendAsync(Request("issues", new { sku, location, quantity = 5 }, key), Ct);

        await different.ReadProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
        await otherRoute.ReadProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
        Assert.Equal(5, await fixture.Reader.OnHandAsync(sku));
        Assert.Equal(1, await fixture.Reader.MovementCountAsync(sku));
    }

    [Fact]
    public async Task A_refusal_is_replayed_too_even_after_stock_arrives()
    {
        var (sku, location) = await fixture.Admin.CreateItemAndLocationAsync("IDEM");
        var key = Guid.NewGuid().ToString();
        using var refused = await fixture.Operator.SendAsync(
            Request("issues", new { sku, location, quantity = 2 }, key), Ct);
        var problem = await refused.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        await fixture.Operator.ReceiveAsync(sku, location, 10);

        using var retry = await fixture.Operator.SendAsync(
            Request("issues", new { sku, location, quantity = 2 }, key), Ct);

        Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);
        Assert.Equal("application/problem+json", retry.Content.Headers.ContentType?.MediaType);
        Assert.Equal(problem, await retry.Content.ReadAsStringAsync(Ct));
        Assert.Equal(10, await fixture.Reader.OnHandAsync(sku));
    }

    [Fact]
    public async Task Concurrent_retries_with_one_key_record_one_movement_and_all_answer_alike()
    {
        var (sku, location) = await fixture.Admin.CreateItemAndLocationAsync("IDEM");
        await fixture.Operator.ReceiveAsync(sku, location, 100);
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(async () =>
        {
            using var response = await fixture.Operator.SendAsync(
                Request("issues", new { sku, location, quantity = 7 }, key), Ct);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(Ct));
        })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Single(responses.Select(r => r.Body).Distinct());
        Assert.Equal(93, await fixture.Reader.OnHandAsync(sku));
        Assert.Equal(2, await fixture.Reader.MovementCountAsync(sku));
    }

    [Fact]
    public async Task Keys_belong_to_their_api_key_so_two_clients_may_use_the_same_one()
    {
        var (sku, location) = await fixture.Admin.CreateItemAndLocationAsync("IDEM");
        var key = Guid.NewGuid().ToString();

        using var byOperator =
            await fixture.Operator.SendAsync(Request("receipts", new { sku, location, quantity = 1 }, key), Ct);
        using var byAdmin = await fixture.Admin.SendAsync(
            Request("receipts", new { sku, location, quantity = 2 }, key), Ct);

        Assert.Equal(HttpStatusCode.Created, byOperator.StatusCode);
        Assert.Equal(HttpStatusCode.Created, byAdmin.StatusCode);
        Assert.Equal(3, await fixture.Reader.OnHandAsync(sku));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("TOO-LONG")]
    public async Task An_unusable_key_is_400(string key)
    {
        key = key == "TOO-LONG" ? new string('k', 201) : key;
        var (sku, location) = await fixture.Admin.CreateItemAndLocationAsync("IDEM");

        using var response = await fixture.Operator.SendAsync(
            Request("receipts", new { sku, location, quantity = 1 }, key), Ct);

        await response.ReadValidationProblemAsync("idempotencyKey");
        Assert.Equal(0, await fixture.Reader.OnHandAsync(sku));
    }

    [Fact]
    public async Task Records_are_kept_a_day_then_the_clean_up_removes_them_and_the_key_starts_afresh()
    {
        var (sku, location) = await fixture.Admin.CreateItemAndLocationAsync("IDEM");
        var key = Guid.NewGuid().ToString();
        using (var first = await fixture.Operator.SendAsync(
            Request("receipts", new { sku, location, quantity = 1 }, key), Ct))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }
        await using var scope = fixture.Api.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IdempotencyStore>();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();

        await AgeAsync(db, key, TimeSpan.FromHours(23));
        await store.DeleteExpiredAsync(Ct);
        Assert.True(await db.IdempotencyRecords.AnyAsync(r => r.Key == key, Ct), "Deleted before 24 h.");
        using (var replay = await fixture.Operator.SendAsync(
            Request("receipts", new { sku, location, quantity = 1 }, key), Ct))
        {
            Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        }

        await AgeAsync(db, key, TimeSpan.FromHours(49));
        Assert.True(await store.DeleteExpiredAsync(Ct) >= 1);
        Assert.False(await db.IdempotencyRecords.AnyAsync(r => r.Key == key, Ct));
        using var fresh = await fixture.Operator.SendAsync(
            Request("receipts", new { sku, location, quantity = 1 }, key), Ct);
        Assert.False(fresh.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, await fixture.Reader.OnHandAsync(sku));
    }

    private static async Task AgeAsync(InventoryDbContext db, string key, TimeSpan age)
    {
        var createdAt = DateTimeOffset.UtcNow - age;
        await db.IdempotencyRecords.Where(r => r.Key == key)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.CreatedAt, createdAt), Ct);
    }


    private static HttpRequestMessage Request(string kind, object body, string key)
    {
        var request = new HttpRequestMessage(
            HttpMethod.Post, $"/api/stock/{kind}") { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return request;
    }

    private Task<HttpResponseMessage> PostAsync(string kind, string json, string key) =>
        fixture.Operator.PostJsonTextAsync(
            $"/api/stock/{kind}", json, headers: new Dictionary<string, string> { ["Idempotency-Key"] = key });
}
