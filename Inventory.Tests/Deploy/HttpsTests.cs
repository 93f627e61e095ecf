using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Inventory.Tests.Infrastructure;
using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Deploy;

/// <summary>
/// HTTPS on the host (INVENTORY_TLS): a stack in acme mode gets its certificate from a real ACME server (Debian's
/// pebble, standing in for Let's Encrypt), redirects plain HTTP except the ACME challenge, sends HSTS over HTTPS, and
/// deploys, rolls back and renews its certificate while HTTPS users see no failed request; a stack in files mode
/// serves the operator's certificate, and a broken replacement is refused while the old one keeps serving.
/// </summary>
[Collection(nameof(DeployScenarios))]
public sealed class HttpsTests(DeployEnvironment environment, ProductImage productImage)
{
    private const string Domain = "inventory.example";

    [Fact]
    public async Task An_acme_stack_gets_its_certificate_deploys_rolls_back_and_renews_with_no_failed_request()
    {
        await DeployEnvironment.RequireOrSkip();
        await using var pebble = await PebbleServer.StartAsync();
        var httpsPort = FreePort.Tcp();
        var settings = new Dictionary<string, string>
        {
            ["INVENTORY_TLS"] = "acme",
            ["INVENTORY_DOMAIN"] = Domain,
            ["INVENTORY_ACME_EMAIL"] = "ops@inventory.example",
            ["INVENTORY_ACME_CA"] = pebble.Directory.ToString(),
            ["INVENTORY_ACME_CA_ROOT"] = pebble.DirectoryRootPath,
            ["INVENTORY_HTTPS_PORT"] = httpsPort.ToString(CultureInfo.InvariantCulture),
        };
        var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 1, settings: settings);
        await using var stack = target;
        var https = new Uri($"https://{Domain}:{httpsPort}");
        var issued = await PebbleServer.PresentedCertificateAsync(httpsPort, Domain);
        Assert.Equal(Domain, issued.GetNameInfo(X509NameType.DnsName, forIssuer: false));

        // Over HTTPS, trusting only pebble's root: the chain and the name check out, and HSTS is sent.
        using (var client = new HttpClient(HttpsHandler(pebble.IssuingRoot)))
        using (var health = await client.GetAsync(new Uri(https, "/health"), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("max-age=31536000", Assert.Single(health.Headers.GetValues("Strict-Transport-Security")));
        }
        await AssertPlainHttpOnlyRedirectsAndAnswersTheChallengeAsync(stack, https, environment.Host.UserName);

        await using var loop = ClientLoop.Start(https, handler => Trust(handler, pebble.IssuingRoot));
        await loop.WaitForFirstSuccessAsync(TimeSpan.FromSeconds(15));
        var deploy = await stack.DeployAsync(tags.Second);
        Users.AssertSucceeded(deploy);
        var rollback = await stack.RollbackAsync();
        Users.AssertSucceeded(rollback);
        var renew = await environment.Host.RunAsync(
            $"INVENTORY_DEPLOY_ENV={stack.DeployEnvPath} bash ~/inventory-deploy/renew-cert.sh --force");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"$ renew-cert.sh --force  # exit {renew.ExitCode}\n{renew.Output}");
        Assert.True(renew.Succeeded, renew.Output);
        var result = await StopAfterMoreRequestsAsync(loop);

        Assert.True(result.Failures.Count == 0, $"{result.Failures.Count} of {result.Requests} HTTPS requests failed:\n"
            + string.Join('\n', result.Failures.Take(20)));
        Assert.True(result.RequestsAfterDone > 5, $"only {result.RequestsAfterDone} requests after the renewal");
        Assert.Contains(tags.Second, result.VersionsInOrder);
        Assert.Equal([tags.First], result.VersionsAfterDone);
        var renewed = await PebbleServer.PresentedCertificateAsync(httpsPort, Domain);
        Assert.NotEqual(issued.SerialNumber, renewed.SerialNumber);
        Assert.Equal(Domain, renewed.GetNameInfo(X509NameType.DnsName, forIssuer: false));
        var audit = await stack.AuditLogAsync();
        Assert.Contains(audit, line => line.Contains("action=renew-cert step=certificate", StringComparison.Ordinal)
            && line.Contains("result=ok", StringComparison.Ordinal));
        Assert.Contains(audit, line => line.Contains("action=renew-cert step=outcome", StringComparison.Ordinal)
            && line.Contains("result=renewed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_files_stack_serves_the_operators_certificate_and_refuses_a_broken_one_while_the_old_serves()
    {
        await DeployEnvironment.RequireOrSkip();
        var files = Directory.CreateTempSubdirectory("inventory-operator-tls-").FullName;
        try
        {
            File.SetUnixFileMode(files, (UnixFileMode)0b111_101_101);
            var (cert, key) = (Path.Combine(files, "cert.pem"), Path.Combine(files, "key.pem"));
            var operators = await SelfSignedAsync(files, "first");
            File.Copy(operators.Cert, cert);
            File.Copy(operators.Key, key);
            var httpsPort = FreePort.Tcp();
            var (target, tags) = await environment.NewTargetAsync(productImage, deployed: 1,
                settings: new Dictionary<string, string>
                {
                    ["INVENTORY_TLS"] = "files",
                    ["INVENTORY_DOMAIN"] = Domain,
                    ["INVENTORY_TLS_CERT"] = cert,
                    ["INVENTORY_TLS_KEY"] = key,
                    ["INVENTORY_HTTPS_PORT"] = httpsPort.ToString(CultureInfo.InvariantCulture),
                });
            await using var stack = target;
            var https = new Uri($"https://{Domain}:{httpsPort}");
            var first = X509CertificateLoader.LoadCertificateFromFile(operators.Cert);
            Assert.Equal(first.SerialNumber, await PresentedSerialAsync(httpsPort));

            await using var loop = ClientLoop.Start(https, handler => Trust(handler, first));
            await loop.WaitForFirstSuccessAsync(TimeSpan.FromSeconds(15));
            // A certificate whose key is not the one beside it: nginx -t refuses it, the old pair stays.
            var second = await SelfSignedAsync(files, "second");
            File.Copy(second.Cert, cert, overwrite: true);
            var broken = await RenewAsync(stack);
            Assert.Equal(1, broken.ExitCode);
            Assert.Contains("nginx -t refused the certificate", broken.Output, StringComparison.Ordinal);
            Assert.Equal(first.SerialNumber, await PresentedSerialAsync(httpsPort));
            var result = await StopAfterMoreRequestsAsync(loop);
            Assert.True(result.Failures.Count == 0,
                $"{result.Failures.Count} of {result.Requests} HTTPS requests failed:\n"
                + string.Join('\n', result.Failures.Take(20)));
            Assert.Equal([tags.First], result.VersionsInOrder);

            // The whole new pair: installed.
            File.Copy(second.Key, key, overwrite: true);
            var replaced = await RenewAsync(stack);
            Assert.True(replaced.Succeeded, replaced.Output);
            var expected = X509CertificateLoader.LoadCertificateFromFile(second.Cert).SerialNumber;
            Assert.Equal(expected, await PresentedSerialAsync(httpsPort));
        }
        finally
        {
            Directory.Delete(files, recursive: true);
        }
    }

    [Fact]
    public async Task Bootstrap_with_a_domain_turns_acme_on_asks_for_the_email_and_installs_the_renewal_timer()
    {
        var directory = Path.Combine(Path.GetTempPath(), DockerCli.UniqueName("bootstrap-tls-dry-run"));
        string[] common = ["--dry-run", "--steps", "tls", "--config-dir", Path.Combine(directory, "etc"),
            "--name", "shop", "--image", "ghcr.io/owner/repo", "--domain", Domain];
        var environment = new Dictionary<string, string?>
        {
            ["INVENTORY_STATE_DIR"] = Path.Combine(directory, "state"),
        };
        var bootstrap = Path.Combine(RepositoryPaths.Root, "deploy", "bootstrap.sh");

        var cancel = TestContext.Current.CancellationToken;
        var withoutEmail = await ProcessRunner.RunAsync(
            "bash", [bootstrap, .. common], environment, cancellationToken: cancel);
        var withEmail = await ProcessRunner.RunAsync(
            "bash", [bootstrap, .. common, "--email", "ops@inventory.example"], environment, cancellationToken: cancel);

        Assert.Equal(1, withoutEmail.ExitCode);
        Assert.Contains("INVENTORY_TLS=acme needs INVENTORY_ACME_EMAIL", withoutEmail.Output, StringComparison.Ordinal);
        Assert.True(withEmail.Succeeded, withEmail.Output);
        Assert.Contains("would write /etc/systemd/system/shop-renew-cert.timer", withEmail.Output,
            StringComparison.Ordinal);
        Assert.Contains("would run: systemctl enable --now shop-renew-cert.timer", withEmail.Output,
            StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory), "a dry run must create nothing");
    }

    private Task<ProcessResult> RenewAsync(DeployTarget stack) =>
        environment.Host.RunAsync($"INVENTORY_DEPLOY_ENV={stack.DeployEnvPath} bash ~/inventory-deploy/renew-cert.sh");

    /// <summary>HTTP answers only the ACME challenge (from lego's webroot) and redirects the rest.</summary>
    private static async Task AssertPlainHttpOnlyRedirectsAndAnswersTheChallengeAsync(
        DeployTarget stack, Uri https, string deployUser)
    {
        // Written as lego (the deploy user) would write a token.
        var challenges = Path.Combine(stack.StateDirectory, "proxy", "acme", ".well-known", "acme-challenge");
        await Privileged.RunCheckedAsync("runuser", "-u", deployUser, "--", "mkdir", "-p", challenges);
        await Privileged.WriteFileAsync(Path.Combine(challenges, "probe-token"), "probe-token.key", deployUser, "644");
        using var plain = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        using var redirect = await plain.GetAsync(new Uri(stack.PublicAddress, "/version?x=1"));
        Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
        Assert.Equal(new Uri(https, "/version?x=1"), redirect.Headers.Location);
        Assert.False(redirect.Headers.Contains("Strict-Transport-Security"), "HSTS must not be sent over plain HTTP");
        using var challenge = await plain.GetAsync(
            new Uri(stack.PublicAddress, "/.well-known/acme-challenge/probe-token"));
        Assert.Equal(HttpStatusCode.OK, challenge.StatusCode);
        Assert.Equal("probe-token.key", await challenge.Content.ReadAsStringAsync());
    }

    private static async Task<ClientLoopResult> StopAfterMoreRequestsAsync(ClientLoop loop)
    {
        var done = loop.Elapsed;
        await Task.Delay(700);
        var result = await loop.StopAsync(done);
        TestContext.Current.TestOutputHelper?.WriteLine($"client loop over HTTPS: {result}");
        return result;
    }

    private static async Task<string> PresentedSerialAsync(int port) =>
        (await PebbleServer.PresentedCertificateAsync(port, Domain)).SerialNumber;

    private static SocketsHttpHandler HttpsHandler(X509Certificate2 root)
    {
        var handler = new SocketsHttpHandler();
        Trust(handler, root);
        return handler;
    }

    /// <summary>
    /// HTTPS to <see cref="Domain"/> (SNI and name check) at 127.0.0.1 (no DNS here), trusting only
    /// <paramref name="root"/>.
    /// </summary>
    private static void Trust(SocketsHttpHandler handler, X509Certificate2 root)
    {
        handler.SslOptions = PebbleServer.TrustOnly(root);
        handler.ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
    }

    /// <summary>
    /// The operator's certificate: self-signed for <see cref="Domain"/>, files readable by the deploy user.
    /// </summary>
    private static async Task<(string Cert, string Key)> SelfSignedAsync(string directory, string name)
    {
        var (cert, key) = (Path.Combine(directory, $"{name}.crt"), Path.Combine(directory, $"{name}.key"));
        var openssl = await ProcessRunner.RunAsync("openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", $"/CN={Domain}", "-addext", $"subjectAltName=DNS:{Domain}", "-keyout", key, "-out", cert]);
        openssl.EnsureSuccess("openssl req (the operator's certificate)");
        File.SetUnixFileMode(key, (UnixFileMode)0b110_100_100);
        return (cert, key);
    }
}
