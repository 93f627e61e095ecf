using System.Net.Sockets;
using System.Text;
using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.ApiTests;
using static Inventory.Tests.Api.ApiCalls;

namespace Inventory.Tests.Api;

/// <summary>
/// The same hostile URLs and headers, byte for byte over a socket to Kestrel, as production receives them: the test
/// host's client refuses to send some of them (<c>%00</c> in a path) and hands the API a URL of its own making.
/// </summary>
public sealed class KestrelHostileInputTests(PostgresServer postgres)
{
    [Fact]
    public async Task Kestrel_answers_every_unstorable_url_and_header_with_a_400()
    {
        await using var api = new ApiFactory(await postgres.CreateDatabaseAsync("kestrel"));
        api.UseKestrel(0);
        using var client = api.CreateClient();
        await api.WaitForStatusAsync("/health", HttpStatusCode.OK);
        var server = client.BaseAddress!;

        var requests = new (string Target, string? Header)[]
        {
            ("/api/items/x%FF", null), ("/api/items/x%ED%A0%80", null), ("/api/items/a%00b", null),
            ("/api/items?search=a%00b", null), ("/api/items?category=%C3", null), ("/api/locations/%C0%AF", null),
            ("/api/items", "X-Note: a\0b"), ("/api/items", "Idempotency-Key: k\0"),
        };
        foreach (var (target, header) in requests)
        {
            var status = await SendRawAsync(server, target, header);
            Assert.True(status == 400, $"GET {target} with {header ?? "no extra header"}: {status}");
        }
        Assert.Equal(200, await SendRawAsync(server, "/api/items?search=%C3%A9", null));
    }

    /// <summary>One GET as the bytes given, with a Reader's key; the response's status code.</summary>
    private static async Task<int> SendRawAsync(Uri server, string target, string? header)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, Ct);
        await using var stream = tcp.GetStream();
        var request = $"GET {target} HTTP/1.1\r\nHost: {server.Authority}\r\nX-Api-Key: {TestApiKeys.Reader}\r\n"
            + (header is null ? "" : header + "\r\n") + "Connection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request), Ct);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        var statusLine = await reader.ReadLineAsync(Ct) ?? "";
        return int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
