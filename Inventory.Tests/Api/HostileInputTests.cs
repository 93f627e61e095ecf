using System.Buffers.Text;
using System.Text;
using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.ApiTests;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>
/// Text PostgreSQL cannot store (U+0000, a lone surrogate, bytes that are not UTF-8) is a 400 naming the field
/// wherever a client can put it: the URL, a header, a JSON body, a paging cursor. Cursors are checked field by field.
/// </summary>
public sealed class HostileInputTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Theory]
    [InlineData("""{"s":"items:sku","k":"a\u0000","i":1}""", "")]
    [InlineData("""{"s":"items:name","k":"a\u0000","i":1}""", "sort=name")]
    [InlineData("""{"s":"items:sku","k":"a\ud800","i":1}""", "")]
    [InlineData("""{"s":"items:name","k":"\udc00b","i":1}""", "sort=name")]
    [InlineData("""{"s":"items:sku","k":"a","i":1,"x":2}""", "")]
    [InlineData("""{"s":"items:sku","k":"NOT-LOWER","i":1}""", "")]
    [InlineData("""{"s":"items:sku","k":"a b","i":1}""", "")]
    [InlineData("""{"s":"items:sku","k":"a","i":-1}""", "")]
    [InlineData("""{"s":"items:sku","k":"a","i":"1"}""", "")]
    [InlineData("""{"s":"items:sku","k":null,"i":1}""", "")]
    [InlineData("""{"s":"items:sku","i":1}""", "")]
    [InlineData("""{"s":"items:sku","k":"a","i":1.5}""", "")]
    [InlineData("""{"s":"items:name","k":"bell\u0007","i":1}""", "sort=name")]
    [InlineData("""{"s":"items:sku","k":"a","i":1}   """, "")]
    [InlineData("""[1,2]""", "")]
    public async Task A_forged_item_listing_cursor_is_a_400_naming_the_cursor(string json, string query)
    {
        var cursor = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));

        using var response = await fixture.Reader.GetAsync($"/api/items?{query}&cursor={cursor}", Ct);

        await response.ReadValidationProblemAsync("cursor");
    }

    [Fact]
    public async Task An_item_listing_cursor_with_a_key_longer_than_any_name_is_a_400()
    {
        var json = $$"""{"s":"items:name","k":"{{new string('n', 201)}}","i":1}""";

        using var response = await fixture.Reader.GetAsync(
            $"/api/items?sort=name&cursor={Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json))}", Ct);

        await response.ReadValidationProblemAsync("cursor");
    }

    [Theory]
    [InlineData("""{"s":"movements","k":"a\u0000","i":5}""")]
    [InlineData("""{"s":"movements","k":"anything","i":5}""")]
    [InlineData("""{"s":"movements","k":"","i":0}""")]
    public async Task A_forged_movements_cursor_is_a_400_naming_the_cursor(string json)
    {
        var sku = ApiFixture.Unique("CUR");
        await fixture.Admin.CreateItemAsync(sku);

        using var response = await fixture.Reader.GetAsync(
            $"/api/items/{sku}/movements?cursor={Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json))}", Ct);

        await response.ReadValidationProblemAsync("cursor");
    }

    [Fact]
    public async Task Cursors_the_api_issued_still_page_through_every_listing()
    {
        var prefix = ApiFixture.Unique("PAGE");
        foreach (var n in new[] { 1, 2, 3 })
        {
            await fixture.Admin.CreateItemAsync($"{prefix}-{n}", name: $"Name ünïcode {n}");
        }
        foreach (var sort in new[] { "sku", "name" })
        {
            var seen = 0;
            string? cursor = null;
            do
            {
                var url = $"/api/items?search={prefix}&limit=1&sort={sort}"
                    + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
                using var response = await fixture.Reader.GetAsync(url, Ct);
                var page = await response.ReadJsonAsync(HttpStatusCode.OK);
                seen += page.GetProperty("items").GetArrayLength();
                cursor = page.GetProperty("nextCursor").GetString();
            }
            while (cursor is not null);
            Assert.Equal(3, seen);
        }
    }

    [Theory]
    [InlineData("/api/items/x%FF", "sku")]
    [InlineData("/api/items/x%ED%A0%80", "sku")]
    [InlineData("/api/items/x%C0%AF/movements", "sku")]
    [InlineData("/api/locations/x%FE", "code")]
    [InlineData("/api/items?search=%ED%A0%80", "search")]
    [InlineData("/api/items?category=%FF", "category")]
    [InlineData("/api/items?search=a%00b", "search")]
    [InlineData("/api/items?cursor=%C3", "cursor")]
    public async Task A_url_with_bytes_that_are_not_utf8_or_with_nul_is_a_400_naming_the_field(string url, string field)
    {
        using var response = await fixture.Reader.GetAsync(url, Ct);

        await response.ReadValidationProblemAsync(field);
    }

    [Fact]
    public async Task A_header_with_a_nul_is_a_400_naming_the_header()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/items");
        request.Headers.TryAddWithoutValidation("X-Client-Note", "a\0b");

        using var response = await fixture.Reader.SendAsync(request, Ct);

        // Header names are case-insensitive; the problem names them in lower case, as HTTP/2 writes them.
        await response.ReadValidationProblemAsync("x-client-note");
    }

    [Fact]
    public async Task A_csv_file_that_is_not_utf8_is_a_400_naming_its_line_and_imports_nothing()
    {
        var sku = ApiFixture.Unique("LATIN1");
        // "café" as Latin-1 writes it: é is the single byte 0xE9, which UTF-8 never has alone.
        byte[] body = [.. Encoding.UTF8.GetBytes($"sku,name\n{sku},ok\n{sku}-2,caf"), 0xE9, (byte)'\n'];
        using var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", "text/csv");

        using var response = await fixture.Admin.PostAsync("/api/items/import", content, Ct);

        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest, "invalid-csv");
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("row").GetInt32() == 3);
        using var read = await fixture.Reader.GetAsync($"/api/items/{sku}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    /// <summary>The check on JSON strings leaves the request schemas as they were: strings, with patterns.</summary>
    [Fact]
    public async Task The_request_schemas_still_describe_their_text_fields_as_strings()
    {
        using var response = await fixture.Anonymous.GetAsync("/openapi/v1.json", Ct);
        var document = await response.ReadJsonAsync(HttpStatusCode.OK);
        var schemas = document.GetProperty("components").GetProperty("schemas");

        var sku = schemas.GetProperty("CreateItemRequest").GetProperty("properties").GetProperty("sku");
        Assert.Contains("string", sku.GetProperty("type").ToString(), StringComparison.Ordinal);
        Assert.Equal("^[A-Za-z0-9._-]{1,64}$", sku.GetProperty("pattern").GetString());
        var reason = schemas.GetProperty("StockCountRequest").GetProperty("properties").GetProperty("reason");
        Assert.Contains("string", reason.GetProperty("type").ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"sku":"NUL-1","name":"a\u0000b"}""", "name")]
    [InlineData("""{"sku":"NUL-2","name":"n","description":"\ud800 lone"}""", "description")]
    [InlineData("""{"sku":"NUL-3","name":"n","unit":"\udfff"}""", "unit")]
    public async Task A_json_string_with_a_nul_or_a_lone_surrogate_is_a_400_naming_the_field(string json, string field)
    {
        using var response = await fixture.Admin.PostJsonTextAsync("/api/items", json);

        await response.ReadValidationProblemAsync(field);
    }
}
