using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>
/// The server as operators run it, with keys on: keys never reach its log, one warning when it listens beyond
/// loopback without keys, and HTTPS with a certificate given the way Kestrel documents.
/// </summary>
public sealed class SecurityTests
{
    private const string IngestKey = "e2e-ingest-key-5b1f9d3a7c";
    private const string ReadKey = "e2e-read-key-2c8e4a6f0d1b";
    private const string AdminKey = "e2e-admin-key-9a7c5e3b1f2d";
    private const string UnknownKey = "e2e-unknown-key-6d4b2f8a0c3e";
    private const string ExposedWarning = "No API keys are configured and the server listens on";

    [Fact]
    public async Task No_key_reaches_the_server_log_even_at_debug_level()
    {
        await using var server = new ServerProcess();
        server.Environment["API_KEYS"] = $"agents:{IngestKey}:ingest,grafana:{ReadKey}:read,on-call:{AdminKey}:admin";
        server.Environment["Logging__LogLevel__Default"] = "Debug";
        server.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug";
        server.ReadKey = ReadKey;
        await server.StartAsync();

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(server, HttpMethod.Post, "/api/logs", IngestKey, "X-API-Key", """{"message":"with a key"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(server, HttpMethod.Get, "/api/logs", ReadKey, "Authorization")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(server, HttpMethod.Post, "/api/events/raw?clef", IngestKey, "X-Seq-ApiKey", """{"@m":"seq"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(server, HttpMethod.Get, "/api/logs", UnknownKey, "X-API-Key")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(server, HttpMethod.Post, "/api/alerts/silences", ReadKey, "X-API-Key", "{}")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(server, HttpMethod.Post, "/api/alerts/silences", AdminKey, "Authorization",
            """{"matcher":{"agent":"NOBODY"},"duration":"1m","comment":"test"}""")).StatusCode);
        await server.StopAsync();

        // The refusals were logged (by key name, or as unknown): the log was looking.
        Assert.Contains("unknown API key", server.Output);
        Assert.Contains("API key 'grafana' lacks the scope", server.Output);
        foreach (var key in new[] { IngestKey, ReadKey, AdminKey, UnknownKey })
        {
            Assert.DoesNotContain(key, server.Output);
            Assert.DoesNotContain(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))), server.Output, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Listening_beyond_loopback_without_keys_logs_one_warning()
    {
        // Exposed, without keys: the warning, once.
        await using (var exposed = new ServerProcess { ListenHost = "0.0.0.0" })
        {
            await exposed.StartAsync();
            await WaitForLineAsync(exposed, "Application started");
            // Stopped, so everything it would log at start has been written.
            await exposed.StopAsync();
            var warnings = Lines(exposed.Output).Where(line => line.Contains(ExposedWarning)).ToList();
            Assert.True(warnings.Count == 1, $"expected one warning, got {warnings.Count}:\n{exposed.Output}");
            Assert.Contains("0.0.0.0", warnings[0]);
        }

        // Loopback only, and exposed with keys: none, though the server got as far.
        await using (var loopback = new ServerProcess())
        {
            await loopback.StartAsync();
            await WaitForLineAsync(loopback, "Application started");
            await loopback.StopAsync();
            Assert.DoesNotContain(ExposedWarning, loopback.Output);
        }

        await using (var keyed = new ServerProcess { ListenHost = "0.0.0.0", ReadKey = ReadKey })
        {
            keyed.Environment["API_KEYS"] = $"grafana:{ReadKey}:read";
            await keyed.StartAsync();
            await WaitForLineAsync(keyed, "Application started");
            await keyed.StopAsync();
            Assert.DoesNotContain(ExposedWarning, keyed.Output);
        }
    }

    [Fact]
    public async Task Https_with_a_certificate_from_kestrel_settings_serves_health()
    {
        var directory = Directory.CreateTempSubdirectory("logagg-tls-").FullName;
        try
        {
            using var certificate = SelfSigned();
            var pfx = Path.Combine(directory, "server.pfx");
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "test-password"));

            await using var server = new ServerProcess
            {
                Scheme = "https",
                // Trusts exactly this certificate, nothing else (no CA, no name check beyond it).
                Handler = () => new HttpClientHandler
                {
                    ServerCertificateCustomValidationCallback = (_, presented, _, _) =>
                        presented is not null && presented.RawData.AsSpan().SequenceEqual(certificate.RawData),
                },
            };
            server.Environment["Kestrel__Certificates__Default__Path"] = pfx;
            server.Environment["Kestrel__Certificates__Default__Password"] = "test-password";
            await server.StartAsync();

            var health = await server.GetJsonAsync("/health");
            Assert.Equal("healthy", health.GetProperty("status").GetString());
            Assert.Equal("https", server.Client.BaseAddress!.Scheme);

            // A client trusting only the system's authorities refuses it: the connection really is TLS with that certificate.
            using var untrusting = new HttpClient { BaseAddress = server.Client.BaseAddress };
            await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync("/health"));
            Assert.DoesNotContain("test-password", server.Output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static X509Certificate2 SelfSigned()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static async Task<HttpResponseMessage> SendAsync(ServerProcess server, HttpMethod method, string path, string key, string header, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation(header, header == "Authorization" ? "Bearer " + key : key);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await server.Client.SendAsync(request);
    }

    private static Task WaitForLineAsync(ServerProcess server, string text) =>
        ServerProcess.EventuallyAsync(() => Task.FromResult(server.Output), output => output.Contains(text), TimeSpan.FromSeconds(30));

    private static string[] Lines(string output) => output.Split('\n');
}
