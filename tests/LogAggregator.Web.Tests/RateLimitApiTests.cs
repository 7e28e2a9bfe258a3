using System.Net;
using System.Text.Json;
using LogAggregator.Web.Tests.Security;

namespace LogAggregator.Web.Tests;

/// <summary>Per-client request rates (http.rate-limit, issue 12): 429 with Retry-After beyond the burst, health and the page uncounted.</summary>
public sealed class RateLimitApiTests
{
    [Fact]
    public async Task A_client_beyond_its_burst_gets_429_with_Retry_After_while_health_and_the_page_stay_open()
    {
        await using var host = await LimitedHostAsync(new Dictionary<string, string?>());

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var response = await host.Client.GetAsync("/api/agents");
            statuses.Add(response.StatusCode);
            limited = response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        // The burst is served first (the positive control; the host's own readiness probe may have spent a token of
        // it), then the client is held back.
        Assert.True(statuses[0] == HttpStatusCode.OK && statuses.Count(s => s == HttpStatusCode.OK) <= 3, string.Join(", ", statuses));
        Assert.NotNull(limited);
        Assert.True(limited!.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        var problem = JsonDocument.Parse(await limited.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Contains("rate-limit", problem.GetProperty("detail").GetString());

        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Without_keys_each_address_has_its_own_bucket()
    {
        await using var host = await LimitedHostAsync(new Dictionary<string, string?>());
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10 && !statuses.Contains(HttpStatusCode.TooManyRequests); i++)
        {
            statuses.Add((await host.Client.GetAsync("/api/agents")).StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        // Another client, from 127.0.0.2 (Linux routes all of 127/8 to loopback), still has its whole burst.
        using var other = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        }) { BaseAddress = host.Client.BaseAddress };
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/agents")).StatusCode);
        }
    }

    [Fact]
    public async Task With_keys_on_each_key_has_its_own_bucket()
    {
        await using var host = await LimitedHostAsync(new Dictionary<string, string?> { ["API_KEYS"] = TestKeys.Variable }, readKey: TestKeys.Read);

        // The reader's bucket runs dry (all from one address) ...
        var reader = new List<HttpStatusCode>();
        for (var i = 0; i < 10 && !reader.Contains(HttpStatusCode.TooManyRequests); i++)
        {
            reader.Add((await host.Client.SendAsync(TestKeys.Request(HttpMethod.Get, "/api/agents", TestKeys.Read))).StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, reader);
        // ... while another key from the same address still has its whole burst.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(TestKeys.Request(HttpMethod.Get, "/api/agents", TestKeys.IngestAndRead))).StatusCode);
        }
    }

    [Fact]
    public async Task Without_a_rate_limit_configured_a_burst_of_requests_is_all_served()
    {
        await using var host = await TestHost.StartAsync();

        var statuses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => host.Client.GetAsync("/api/agents")));

        Assert.All(statuses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
    }

    /// <summary>A host allowing each client 1 request a second in bursts of 3; its config file goes with it.</summary>
    private static async Task<TestHost> LimitedHostAsync(Dictionary<string, string?> environment, string? readKey = null)
    {
        var config = Path.Combine(Path.GetTempPath(), "logagg-rate-" + Guid.NewGuid().ToString("N")[..12] + ".conf");
        await File.WriteAllTextAsync(config, "log-aggregator.http.rate-limit { requests-per-second = 1, burst = 3 }\n");
        environment["LOG_AGGREGATOR_CONFIG"] = config;
        try
        {
            return await TestHost.StartAsync(environment, readKey: readKey);
        }
        finally
        {
            // Read once at start.
            File.Delete(config);
        }
    }
}
