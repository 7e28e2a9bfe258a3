using System.Net;
using System.Text.Json;

namespace LogAggregator.Web.Tests;

/// <summary>Live tail (Server-Sent Events) and the Prometheus metrics endpoint, over HTTP.</summary>
public sealed class TailAndMetricsApiTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private TestHost _host = null!;
    private string _configFile = null!;

    public async Task InitializeAsync()
    {
        // A short heartbeat through an operator HOCON file, as an operator would set it.
        _configFile = Path.Combine(Path.GetTempPath(), "logagg-tail-" + Guid.NewGuid().ToString("N")[..12] + ".conf");
        await File.WriteAllTextAsync(_configFile, "log-aggregator.http.tail-heartbeat = 300ms\n");
        _host = await TestHost.StartAsync(new Dictionary<string, string?> { ["LOG_AGGREGATOR_CONFIG"] = _configFile });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        File.Delete(_configFile);
    }

    [Fact]
    public async Task Tail_streams_entries_posted_after_it_connected_and_respects_its_filters()
    {
        await _host.PostOkAsync(new { agent = "HERMES", level = "ERROR", message = "order 0 posted before the tail" });
        await using var tail = await SseStream.OpenAsync(_host.Client, "/api/logs/tail?agent=hermes&level=error&q=order%5Cs%5Cd%2B");

        await _host.PostOkAsync(new { agent = "ATLAS", level = "ERROR", message = "order 1 of another agent" });
        await _host.PostOkAsync(new { agent = "Hermes", level = "INFO", message = "order 2 at another level" });
        await _host.PostOkAsync(new { agent = "hermes", level = "ERROR", message = "no match here" });
        await _host.PostOkAsync(new { agent = "Hermes", level = "error", message = "payment for order 3 failed", metadata = new { order = 3 } });

        var log = await tail.NextEventAsync("log", Patience);
        var entry = JsonDocument.Parse(log.Data).RootElement;
        Assert.Equal("payment for order 3 failed", entry.GetProperty("message").GetString());
        Assert.Equal("Hermes", entry.GetProperty("agent").GetString());
        Assert.Equal("ERROR", entry.GetProperty("level").GetString());
        Assert.Equal(3, entry.GetProperty("metadata").GetProperty("order").GetInt32());
        Assert.Equal(entry.GetProperty("id").GetString(), log.Id);
        var stored = await _host.GetJsonAsync("/api/logs/search?q=order%203");
        Assert.Equal(log.Id, stored.GetProperty("results")[0].GetProperty("id").GetString());

        await _host.PostOkAsync(new { agent = "HERMES", level = "ERROR", message = "order 4 last" });
        var next = JsonDocument.Parse((await tail.NextEventAsync("log", Patience)).Data).RootElement;
        Assert.Equal("order 4 last", next.GetProperty("message").GetString()); // nothing filtered out came between
    }

    [Fact]
    public async Task Tail_sends_heartbeats_while_nothing_arrives()
    {
        await using var tail = await SseStream.OpenAsync(_host.Client, "/api/logs/tail");

        Assert.Equal("text/event-stream", tail.ContentType);
        var comment = await tail.NextCommentAsync("heartbeat", Patience);
        Assert.Matches(@"^heartbeat \d{4}-\d\d-\d\dT", comment);
    }

    [Fact]
    public async Task Tail_with_an_unknown_level_is_refused()
    {
        var response = await _host.Client.GetAsync("/api/logs/tail?level=LOUD");
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("level", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Metrics_show_ingest_by_source_kind_and_level_latencies_lag_and_alerts()
    {
        await _host.PostOkAsync(new { agent = "ATLAS", level = "WARNING", message = "posted" });
        await File.WriteAllTextAsync(Path.Combine(_host.LogDir, "metrics-agent.log"), "2024-01-15 10:30:00 - ERROR - METRICS - tailed\n");
        await WaitUntilAsync(async () => (await _host.GetJsonAsync("/api/logs?agent=METRICS")).GetProperty("total").GetInt64() == 1);
        await _host.GetJsonAsync("/api/logs/search?q=posted");

        var text = "";
        await WaitUntilAsync(async () =>
        {
            var response = await _host.Client.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
            text = await response.Content.ReadAsStringAsync();
            return Series(text, "logaggregator_ingested_entries_total", "source_kind=\"file\"", "level=\"ERROR\"") is not null
                   && Series(text, "logaggregator_query_duration_seconds_count", "kind=\"search\"") is not null;
        });

        Assert.True(Value(Series(text, "logaggregator_ingested_entries_total", "source_kind=\"http\"", "level=\"WARNING\"")) >= 1, text);
        Assert.True(Value(Series(text, "logaggregator_ingested_entries_total", "source_kind=\"file\"", "level=\"ERROR\"")) >= 1, text);
        Assert.True(Value(Series(text, "logaggregator_store_batch_duration_seconds_count")) >= 2, text);
        Assert.NotNull(Series(text, "logaggregator_store_batch_duration_seconds_bucket", "le=\"0.01\""));
        Assert.True(Value(Series(text, "logaggregator_query_duration_seconds_count", "kind=\"logs\"")) >= 1, text);
        Assert.NotNull(Series(text, "logaggregator_tailer_lag_bytes"));
        Assert.Contains("# TYPE logaggregator_tailer_lag_bytes gauge", text);
        Assert.Equal(0, Value(Series(text, "logaggregator_alerts_total", "level=\"ERROR\"", "state=\"delivered\"")));
    }

    /// <summary>The first sample line of <paramref name="metric"/> carrying every label given.</summary>
    private static string? Series(string text, string metric, params string[] labels) =>
        text.Split('\n').FirstOrDefault(line =>
            (line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
            && labels.All(line.Contains));

    private static double Value(string? line)
    {
        Assert.NotNull(line);
        // "name{labels} value [timestamp]" or "name value [timestamp]".
        var rest = line.Contains('}') ? line[(line.LastIndexOf('}') + 1)..] : line[line.IndexOf(' ')..];
        return double.Parse(rest.Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within " + Patience);
            await Task.Delay(200);
        }
    }
}

/// <summary>Reads a Server-Sent Events response line by line, each wait bounded.</summary>
internal sealed class SseStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private Task<string?>? _pendingLine;

    private SseStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public string? ContentType => _response.Content.Headers.ContentType?.MediaType;

    public static async Task<SseStream> OpenAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stream = await response.Content.ReadAsStreamAsync();
        return new SseStream(response, new StreamReader(stream));
    }

    public async Task<(string Id, string Data)> NextEventAsync(string eventName, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? name = null, id = null, data = null;
        while (true)
        {
            var line = await ReadLineAsync(deadline);
            if (line.Length == 0)
            {
                if (name == eventName && data is not null)
                {
                    return (id ?? "", data);
                }

                Assert.True(name is null || name == eventName, $"unexpected event '{name}': {data}");
                (name, id, data) = (null, null, null);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line["id: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line["data: ".Length..];
            }
        }
    }

    public async Task<string> NextCommentAsync(string prefix, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var line = await ReadLineAsync(deadline);
            if (line.StartsWith(": " + prefix, StringComparison.Ordinal))
            {
                return line[2..];
            }
        }
    }

    private async Task<string> ReadLineAsync(DateTime deadline)
    {
        // A line read that timed out is still pending on the reader: the next call picks it up.
        _pendingLine ??= _reader.ReadLineAsync();
        var remaining = deadline - DateTime.UtcNow;
        if (remaining <= TimeSpan.Zero || await Task.WhenAny(_pendingLine, Task.Delay(remaining)) != _pendingLine)
        {
            throw new TimeoutException("no line from the event stream in time");
        }

        var line = await _pendingLine;
        _pendingLine = null;
        return line ?? throw new EndOfStreamException("the event stream ended");
    }

    public ValueTask DisposeAsync()
    {
        _response.Dispose();
        _reader.Dispose();
        return ValueTask.CompletedTask;
    }
}
