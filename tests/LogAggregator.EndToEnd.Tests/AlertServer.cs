using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using LogAggregator.Testing;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>
/// The server process with HERMES_URL at a <see cref="FakeHermes"/> on a loopback port and short delivery backoffs
/// (an operator file through LOG_AGGREGATOR_CONFIG), plus the helpers the alerting tests share: POSTing entries,
/// waiting for what HERMES received, reading the server's own alert list.
/// </summary>
public sealed class AlertServer : IAsyncDisposable
{
    public const string PublicUrl = "http://logs.example.test:8062";

    public AlertServer()
    {
        Hermes = FakeHermes.Start();
        Server = new ServerProcess();
        var config = Path.Combine(Server.Root, "alerting.conf");
        File.WriteAllText(config, $$"""
            log-aggregator.alerting {
              public-url = "{{PublicUrl}}"
              delivery { min-backoff = 200ms, max-backoff = 1s, request-timeout = 2s }
              daily-summary.enabled = off
              silent-agents.enabled = off
            }
            """);
        Server.Environment["LOG_AGGREGATOR_CONFIG"] = config;
        Server.Environment["HERMES_URL"] = Hermes.Url;
    }

    internal FakeHermes Hermes { get; }

    public ServerProcess Server { get; }

    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>One entry per element, in one POST; the server answers 200 only once they are committed.</summary>
    public async Task PostAsync(params object[] entries)
    {
        var response = await Server.Client.PostAsJsonAsync("/api/logs", entries);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /api/logs answered {(int)response.StatusCode}: {body}");
    }

    public static object Entry(string agent, string level, string message, DateTime? at = null) => new
    {
        agent,
        level,
        message,
        timestamp = (at ?? DateTime.UtcNow).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
    };

    /// <summary>What HERMES answered 2xx that concerns <paramref name="agent"/> (by source, or the /notify text).</summary>
    internal List<HermesRequest> DeliveredFor(string agent) => Hermes.Delivered.Where(r => Concerns(r, agent)).ToList();

    /// <summary>Everything HERMES received (any answer) that concerns <paramref name="agent"/>.</summary>
    internal List<HermesRequest> ReceivedFor(string agent) => Hermes.Requests.Where(r => Concerns(r, agent)).ToList();

    private static bool Concerns(HermesRequest request, string agent)
    {
        var json = request.Json;
        return (json.TryGetProperty("source", out var source) && source.GetString() == agent)
            || (json.TryGetProperty("message", out var message) && message.GetString()!.StartsWith($"[", StringComparison.Ordinal)
                && message.GetString()!.Contains($"Agent: {agent}\n", StringComparison.Ordinal));
    }

    /// <summary>Polls until HERMES has taken at least <paramref name="count"/> alerts about <paramref name="agent"/>.</summary>
    internal async Task<List<HermesRequest>> WaitForDeliveriesAsync(string agent, int count = 1)
    {
        try
        {
            return await ServerProcess.EventuallyAsync(() => Task.FromResult(DeliveredFor(agent)), d => d.Count >= count, Wait);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"HERMES never got {count} alert(s) about {agent}: {e.Message}\n"
                + $"HERMES received: {Describe(Hermes.Requests)}\nserver output (tail):\n{Tail(Server.Output)}");
        }
    }

    /// <summary>GET /api/alerts?agent=…: the server's own record, newest first.</summary>
    public async Task<List<JsonElement>> AlertsAsync(string agent) =>
        (await Server.GetJsonAsync("/api/alerts?limit=100&agent=" + Uri.EscapeDataString(agent))).GetProperty("alerts").EnumerateArray().ToList();

    internal static string Describe(IEnumerable<HermesRequest> requests) =>
        "[" + string.Join(", ", requests.Select(r => $"{r.Method} {r.Path} → {r.Answered} {Shorten(r.Body)}")) + "]";

    private static string Shorten(string body) => body.Length > 300 ? body[..300] + "…" : body;

    public static string Tail(string output, int lines = 60) =>
        string.Join('\n', output.Split('\n').TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Hermes.Dispose();
    }
}
