using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Inventory.Tests.Infrastructure.SystemTests;

/// <summary>
/// Debian's <c>pebble</c>, Let's Encrypt's test ACME server, as the CA of the HTTPS deploy tests: on free loopback
/// ports, its directory served over HTTPS with a certificate of its own (<see cref="DirectoryRootPath"/>, which the
/// host's lego is told to trust), validating every challenge without contacting anyone (no public DNS here). The
/// certificates it issues chain to <see cref="IssuingRoot"/>, a new one on each start. Stopped (by its process id)
/// and its folder removed on dispose.
/// </summary>
public sealed class PebbleServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/pebble";

    private readonly string _directory;
    private readonly int _managementPort;
    private Process? _process;

    private PebbleServer(string directory, int port, int managementPort)
    {
        _directory = directory;
        Port = port;
        _managementPort = managementPort;
    }

    public int Port { get; }

    /// <summary>The ACME directory URL (INVENTORY_ACME_CA).</summary>
    public Uri Directory => new($"https://127.0.0.1:{Port}/dir");

    /// <summary>The certificate of pebble's own HTTPS (INVENTORY_ACME_CA_ROOT), readable by every user.</summary>
    public string DirectoryRootPath => Path.Combine(_directory, "pebble.crt");

    /// <summary>The root the issued certificates chain to: what a client of the deployed proxy trusts.</summary>
    public X509Certificate2 IssuingRoot { get; private set; } = null!;

    public static async Task<PebbleServer> StartAsync()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("inventory-pebble-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        var pebble = new PebbleServer(directory, FreePort.Tcp(), FreePort.Tcp());
        try
        {
            await pebble.StartProcessAsync();
            return pebble;
        }
        catch
        {
            await pebble.DisposeAsync();
            throw;
        }
    }

    private async Task StartProcessAsync()
    {
        var key = Path.Combine(_directory, "pebble.key");
        var openssl = await ProcessRunner.RunAsync("openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=pebble", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key,
            "-out", DirectoryRootPath]);
        openssl.EnsureSuccess("openssl req (pebble's own certificate)");
        File.SetUnixFileMode(DirectoryRootPath, (UnixFileMode)0b110_100_100);
        // httpPort and tlsPort are where it would validate challenges; with PEBBLE_VA_ALWAYS_VALID it never does.
        var config = Path.Combine(_directory, "pebble.json");
        await File.WriteAllTextAsync(config, $$$"""
            {"pebble": {"listenAddress": "127.0.0.1:{{{Port}}}",
              "managementListenAddress": "127.0.0.1:{{{_managementPort}}}",
              "certificate": "{{{DirectoryRootPath}}}", "privateKey": "{{{key}}}", "httpPort": 5002, "tlsPort": 5001,
              "ocspResponderURL": "", "externalAccountBindingRequired": false}}
            """);
        var start = new ProcessStartInfo(Binary)
        {
            ArgumentList = { "-config", config },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["PEBBLE_VA_ALWAYS_VALID"] = "1",
                ["PEBBLE_VA_NOSLEEP"] = "1",
                // Pebble rejects 5% of nonces by default to exercise clients' retries; lego retries, but a test
                // should not depend on luck.
                ["PEBBLE_WFE_NONCEREJECT"] = "0",
            },
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException($"{Binary} did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var trusting = TrustingClient(X509CertificateLoader.LoadCertificateFromFile(DirectoryRootPath));
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var pem = await trusting.GetStringAsync(new Uri($"https://127.0.0.1:{_managementPort}/roots/0"));
                IssuingRoot = X509Certificate2.CreateFromPem(pem);
                return;
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(20) && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>An HttpClient that trusts only <paramref name="root"/> (names still checked).</summary>
    private static HttpClient TrustingClient(X509Certificate2 root) =>
        new(new SocketsHttpHandler { SslOptions = TrustOnly(root) }) { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>
    /// TLS client options that accept a server whose chain ends in <paramref name="root"/> and that names the host
    /// asked for; the system's roots are not trusted.
    /// </summary>
    public static SslClientAuthenticationOptions TrustOnly(X509Certificate2 root) => new()
    {
        CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            CustomTrustStore = { root },
            RevocationMode = X509RevocationMode.NoCheck,
        },
    };

    /// <summary>
    /// The certificate a fresh TLS handshake with 127.0.0.1:<paramref name="port"/> presents for
    /// <paramref name="host"/> (SNI), without judging it.
    /// </summary>
    public static async Task<X509Certificate2> PresentedCertificateAsync(int port, string host)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = host,
            // Only looked at, never trusted: the tests judge it themselves.
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null,
        });
        return new X509Certificate2(tls.RemoteCertificate!);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
        IssuingRoot?.Dispose();
        System.IO.Directory.Delete(_directory, recursive: true);
    }
}
