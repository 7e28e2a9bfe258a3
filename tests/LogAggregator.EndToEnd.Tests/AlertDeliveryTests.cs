using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using LogAggregator.Testing;
using Xunit.Abstractions;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>One server and one fake HERMES for the delivery tests; each test pages about its own agents.</summary>
public sealed class AlertDeliveryFixture : IAsyncLifetime
{
    public AlertServer Alerts { get; } = new();

    public Task InitializeAsync() => Alerts.Server.StartAsync();

    public async Task DisposeAsync() => await Alerts.DisposeAsync();
}

/// <summary>What HERMES receives, through which path, and when: the real server process against a fake HERMES.</summary>
public sealed class AlertDeliveryTests(AlertDeliveryFixture fixture, ITestOutputHelper output) : IClassFixture<AlertDeliveryFixture>, IAsyncLifetime
{
    private readonly AlertServer _alerts = fixture.Alerts;

    private FakeHermes Hermes => _alerts.Hermes;

    public Task InitializeAsync()
    {
        Hermes.Answer(HermesClient.AlertsPath, 200);
        Hermes.Answer(HermesClient.MessagesPath, 200);
        Hermes.Answer(HermesClient.NotifyPath, 200);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static class HermesClient
    {
        public const string AlertsPath = "/api/alerts";
        public const string MessagesPath = "/api/messages";
        public const string NotifyPath = "/notify";
    }

    [Fact]
    public async Task An_error_burst_pages_HERMES_once_with_every_field_an_operator_needs()
    {
        const string agent = "PAYMASTER";
        var start = DateTime.UtcNow.AddSeconds(-30);
        start = start.AddTicks(-(start.Ticks % TimeSpan.TicksPerMillisecond));
        var times = Enumerable.Range(0, 7).Select(i => start.AddSeconds(i * 2)).ToList();
        var messages = new[] { 4711, 12, 9000, 31337, 5, 77, 808 }.Select((n, i) => $"charge {n} failed after {i * 10 + 3} ms").ToList();
        // Four are not enough.
        for (var i = 0; i < 4; i++)
        {
            await _alerts.PostAsync(AlertServer.Entry(agent, "ERROR", messages[i], times[i]));
        }

        await _alerts.PostAsync(AlertServer.Entry(agent + "-CONTROL", "CRITICAL", "control one"));
        await _alerts.WaitForDeliveriesAsync(agent + "-CONTROL");
        Assert.True(_alerts.ReceivedFor(agent).Count == 0, $"4 errors paged: {AlertServer.Describe(_alerts.ReceivedFor(agent))}");

        // The fifth pages; the sixth and seventh fall in the cooldown.
        await _alerts.PostAsync(AlertServer.Entry(agent, "ERROR", messages[4], times[4]));
        var delivered = await _alerts.WaitForDeliveriesAsync(agent);
        await _alerts.PostAsync(AlertServer.Entry(agent, "ERROR", messages[5], times[5]), AlertServer.Entry(agent, "ERROR", messages[6], times[6]));
        await _alerts.PostAsync(AlertServer.Entry(agent + "-CONTROL", "CRITICAL", "control two"));
        await _alerts.WaitForDeliveriesAsync(agent + "-CONTROL", 2);

        var received = _alerts.ReceivedFor(agent);
        Assert.True(received.Count == 1, $"HERMES should have received exactly one request about {agent}: {AlertServer.Describe(received)}");
        var request = received[0];
        output.WriteLine(request.Body);
        Assert.Equal(("POST", "/api/alerts", 200), (request.Method, request.Path, request.Answered));
        var body = request.Json;
        var key = $"{agent}:charge <num> failed after <num> ms";
        Assert.Equal($"[ERROR] {agent}: Error Alert", body.GetProperty("title").GetString());
        Assert.Equal("error", body.GetProperty("level").GetString());
        Assert.Equal(agent, body.GetProperty("source").GetString());
        Assert.True(DateTime.TryParse(body.GetProperty("timestamp").GetString(), out _), $"timestamp: {body}");

        var metadata = body.GetProperty("metadata");
        var link = metadata.GetProperty("link").GetString()!;
        var lines = body.GetProperty("message").GetString()!.Split('\n');
        Assert.Equal(
            [
                $"Agent: {agent}",
                "Level: ERROR",
                $"Time: {Iso(times[4])}",
                "Reason: 5 errors within 300 s",
                $"Message: {messages[4]}",
                $"Source: log-aggregator, alert {key}",
                link,
            ],
            lines);

        Assert.Matches("^[0-9a-f]{32}$", metadata.GetProperty("alert_id").GetString());
        Assert.Equal(key, metadata.GetProperty("key").GetString());
        Assert.Equal("charge <num> failed after <num> ms", metadata.GetProperty("pattern").GetString());
        Assert.Equal(5, metadata.GetProperty("count").GetInt64());
        Assert.Equal(Iso(times[0]), metadata.GetProperty("first_seen").GetString());
        Assert.Equal(Iso(times[4]), metadata.GetProperty("last_seen").GetString());
        var samples = metadata.GetProperty("samples").EnumerateArray().ToList();
        Assert.Equal(messages.Take(5), samples.Select(s => s.GetProperty("message").GetString()));
        Assert.Equal(times.Take(5).Select(Iso), samples.Select(s => s.GetProperty("time").GetString()));
        Assert.All(samples, s => Assert.False(string.IsNullOrEmpty(s.GetProperty("id").GetString()), $"sample without id: {s}"));
        Assert.StartsWith($"{AlertServer.PublicUrl}/?agent={agent}&q=", link);
        Assert.Contains($"&from={Uri.EscapeDataString(times[0].ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))}", link);

        // The server's own record agrees.
        var alerts = await _alerts.AlertsAsync(agent);
        Assert.True(alerts.Count == 1, $"GET /api/alerts?agent={agent}: {string.Join(", ", alerts)}");
        Assert.Equal(metadata.GetProperty("alert_id").GetString(), alerts[0].GetProperty("id").GetString());
        Assert.Equal("delivered", alerts[0].GetProperty("delivery").GetProperty("state").GetString());
        Assert.Single(delivered);
    }

    [Fact]
    public async Task A_critical_entry_pages_at_once()
    {
        const string agent = "REACTOR";
        var at = DateTime.UtcNow;
        await _alerts.PostAsync(AlertServer.Entry(agent, "CRITICAL", "core 7 temperature above 1200 degrees", at));
        var delivered = await _alerts.WaitForDeliveriesAsync(agent);

        var request = Assert.Single(delivered);
        Assert.Equal("/api/alerts", request.Path);
        var body = request.Json;
        Assert.Equal($"[CRITICAL] {agent}: Critical Alert", body.GetProperty("title").GetString());
        Assert.Equal("critical", body.GetProperty("level").GetString());
        Assert.Equal(agent, body.GetProperty("source").GetString());
        var lines = body.GetProperty("message").GetString()!.Split('\n');
        Assert.Equal("Reason: CRITICAL entry", lines[3]);
        Assert.Equal("Message: core 7 temperature above 1200 degrees", lines[4]);
        var metadata = body.GetProperty("metadata");
        Assert.Equal(1, metadata.GetProperty("count").GetInt64());
        Assert.Equal($"{agent}:core <num> temperature above <num> degrees", metadata.GetProperty("key").GetString());
        Assert.Single(metadata.GetProperty("samples").EnumerateArray());
    }

    [Fact]
    public async Task Alerts_are_decided_and_delivered_on_threads_at_a_lower_priority_than_ingestion()
    {
        const string agent = "STORM";
        const int keys = 60;
        var pid = _alerts.Server.ProcessId;
        var before = ServerThread.Of(pid).Where(IsAlerting).Sum(t => t.CpuSeconds);

        // Letters, not numbers, tell the keys apart (numbers are masked).
        await _alerts.PostAsync(Enumerable.Range(0, keys)
            .Select(i => AlertServer.Entry(agent, "CRITICAL", $"valve {(char)('a' + i / 26)}{(char)('a' + i % 26)} stuck open"))
            .ToArray());
        await _alerts.WaitForDeliveriesAsync(agent, keys);

        var threads = ServerThread.Of(pid);
        var alerting = threads.Where(IsAlerting).ToList();
        var main = threads.Single(t => t.Id == pid);
        Assert.True(alerting.Count > 0, $"threads: {string.Join(", ", threads.Select(t => t.Name).Distinct())}");
        Assert.All(alerting, t => Assert.Equal(Math.Max(10, main.Nice), t.Nice));
        Assert.True(main.Nice < 10, $"the server itself runs at nice {main.Nice}: nothing to tell apart");
        Assert.True(alerting.Sum(t => t.CpuSeconds) > before, $"{keys} alerts took no CPU on the alerting threads ({before} s before and after)");

        static bool IsAlerting(ServerThread t) => t.Name.StartsWith("alerting-", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(404)]
    [InlineData(500)]
    public async Task When_api_alerts_fails_the_alert_goes_to_api_messages(int status)
    {
        var agent = $"FALLBACK{status}";
        Hermes.Answer(HermesClient.AlertsPath, status);
        await _alerts.PostAsync(AlertServer.Entry(agent, "CRITICAL", "pump 3 stopped"));
        await _alerts.WaitForDeliveriesAsync(agent);

        var received = _alerts.ReceivedFor(agent);
        Assert.True(received.Select(r => (r.Path, r.Answered)).SequenceEqual([("/api/alerts", status), ("/api/messages", 200)]),
            $"HERMES received: {AlertServer.Describe(received)}");
        var first = received[0].Json;
        var body = received[1].Json;
        Assert.Equal("alerts", body.GetProperty("channel").GetString());
        Assert.Equal(agent, body.GetProperty("source").GetString());
        Assert.Equal(first.GetProperty("title").GetString() + "\n" + first.GetProperty("message").GetString(), body.GetProperty("content").GetString());
        Assert.Equal(first.GetProperty("metadata").GetProperty("alert_id").GetString(), body.GetProperty("metadata").GetProperty("alert_id").GetString());
        // HERMES answered before the notifier journalled the delivery: the server's record follows.
        await ServerProcess.EventuallyAsync(async () => (await _alerts.AlertsAsync(agent)).Single().GetProperty("delivery").GetProperty("state").GetString(),
            state => state == "delivered", AlertServer.Wait);
    }

    [Fact]
    public async Task When_api_alerts_and_api_messages_both_fail_the_alert_goes_to_notify_with_a_priority()
    {
        const string agent = "LASTRESORT";
        Hermes.Answer(HermesClient.AlertsPath, 500);
        Hermes.Answer(HermesClient.MessagesPath, 404);
        await _alerts.PostAsync(AlertServer.Entry(agent, "CRITICAL", "valve 9 stuck open"));
        await _alerts.WaitForDeliveriesAsync(agent);

        var received = _alerts.ReceivedFor(agent);
        Assert.True(received.Select(r => (r.Path, r.Answered)).SequenceEqual([("/api/alerts", 500), ("/api/messages", 404), ("/notify", 200)]),
            $"HERMES received: {AlertServer.Describe(received)}");
        var first = received[0].Json;
        var body = received[2].Json;
        Assert.Equal(first.GetProperty("title").GetString() + "\n" + first.GetProperty("message").GetString(), body.GetProperty("message").GetString());
        Assert.Equal("critical", body.GetProperty("priority").GetString());
        Assert.Equal("telegram", body.GetProperty("channel").GetString());
    }

    [Fact]
    public async Task An_alert_raised_while_HERMES_is_down_is_delivered_once_when_it_comes_back_and_the_log_tells_the_story()
    {
        const string agent = "OUTAGE";
        Hermes.Refuse();
        try
        {
            await _alerts.PostAsync(AlertServer.Entry(agent, "CRITICAL", "breaker 12 tripped"));
            var key = $"{agent}:breaker <num> tripped";
            // Two failed rounds and a restart in between, while nothing listens.
            await ServerProcess.EventuallyAsync(() => Task.FromResult(Lines(_alerts.Server.Output, key)),
                lines => lines.Count(l => l.Contains("HERMES unreachable", StringComparison.Ordinal)) >= 2
                    && lines.Any(l => l.Contains("restarted by its backoff supervisor", StringComparison.Ordinal)),
                AlertServer.Wait);
        }
        finally
        {
            Hermes.Accept();
        }

        var delivered = await _alerts.WaitForDeliveriesAsync(agent);
        await _alerts.PostAsync(AlertServer.Entry(agent + "-CONTROL", "CRITICAL", "control"));
        await _alerts.WaitForDeliveriesAsync(agent + "-CONTROL");
        delivered = _alerts.DeliveredFor(agent);
        Assert.True(delivered.Count == 1, $"delivered {delivered.Count} times: {AlertServer.Describe(delivered)}");
        var alert = await ServerProcess.EventuallyAsync(async () => (await _alerts.AlertsAsync(agent)).Single(),
            a => a.GetProperty("delivery").GetProperty("state").GetString() == "delivered", AlertServer.Wait);
        Assert.Equal(delivered[0].AlertId, alert.GetProperty("id").GetString());

        // The supervision story, each line naming the actor path and the alert key.
        var story = Lines(_alerts.Server.Output, $"{agent}:breaker <num> tripped");
        var failed = story.FirstOrDefault(l => l.Contains("HERMES unreachable", StringComparison.Ordinal) && l.Contains("backing off", StringComparison.Ordinal));
        var restart = story.FirstOrDefault(l => l.Contains("restarted by its backoff supervisor", StringComparison.Ordinal));
        var recovery = story.FirstOrDefault(l => l.Contains("HERMES reached again", StringComparison.Ordinal));
        var context = $"\nlines naming the key:\n{string.Join('\n', story)}";
        output.WriteLine(context);
        Assert.True(failed is not null, "no failed round with its backoff" + context);
        Assert.True(restart is not null, "no restart" + context);
        Assert.True(recovery is not null, "no recovery" + context);
        Assert.All(new[] { failed!, restart!, recovery! }, l => Assert.Contains("akka://", l));
    }

    [Fact]
    public async Task A_silence_holds_back_the_alerts_it_matches_until_it_is_deleted_or_expires()
    {
        const string agent = "SILENCED";
        var silence = await CreateSilenceAsync(agent, "1h");
        await _alerts.PostAsync(AlertServer.Entry(agent, "CRITICAL", "compressor 1 overheating"));
        var silenced = await ServerProcess.EventuallyAsync(() => _alerts.AlertsAsync(agent),
            a => a.Count == 1 && a[0].GetProperty("delivery").GetProperty("state").GetString() == "silenced", AlertServer.Wait);

        // Positive control: an alert raised after it is delivered, so the silenced one would have been by now.
        await _alerts.PostAsync(AlertServer.Entry(agent + "-CONTROL", "CRITICAL", "control"));
        await _alerts.WaitForDeliveriesAsync(agent + "-CONTROL");
        Assert.True(_alerts.ReceivedFor(agent).Count == 0, $"a silenced alert reached HERMES: {AlertServer.Describe(_alerts.ReceivedFor(agent))}");

        // Deleted: the next incident pages.
        var deleted = await _alerts.Server.Client.DeleteAsync($"/api/alerts/silences/{silence}");
        Assert.True(deleted.IsSuccessStatusCode, $"DELETE answered {(int)deleted.StatusCode}: {await deleted.Content.ReadAsStringAsync()}");
        await _alerts.PostAsync(AlertServer.Entry(agent, "CRITICAL", "compressor 2 leaking"));
        var delivered = await _alerts.WaitForDeliveriesAsync(agent);
        Assert.Equal($"{agent}:compressor <num> leaking", delivered.Single().Json.GetProperty("metadata").GetProperty("key").GetString());

        // Expired: a short silence holds back what comes while it lasts, and nothing after.
        await CreateSilenceAsync(agent, "3s");
        await _alerts.PostAsync(AlertServer.Entry(agent, "CRITICAL", "fan 4 vibrating"));
        await ServerProcess.EventuallyAsync(() => _alerts.AlertsAsync(agent),
            a => a.Any(x => x.GetProperty("key").GetString() == $"{agent}:fan <num> vibrating" && x.GetProperty("delivery").GetProperty("state").GetString() == "silenced"),
            AlertServer.Wait);
        await ServerProcess.EventuallyAsync(
            async () => (await _alerts.Server.GetJsonAsync("/api/alerts/silences")).GetProperty("silences").EnumerateArray()
                .Count(s => s.GetProperty("matcher").GetProperty("agent").GetString() == agent),
            n => n == 0, AlertServer.Wait);
        await _alerts.PostAsync(AlertServer.Entry(agent, "CRITICAL", "belt 5 slipping"));
        delivered = await _alerts.WaitForDeliveriesAsync(agent, 2);
        Assert.Equal(
            [$"{agent}:compressor <num> leaking", $"{agent}:belt <num> slipping"],
            delivered.Select(d => d.Json.GetProperty("metadata").GetProperty("key").GetString()));
        Assert.Equal(silenced[0].GetProperty("id").GetString(),
            (await _alerts.AlertsAsync(agent)).Single(a => a.GetProperty("key").GetString() == $"{agent}:compressor <num> overheating").GetProperty("id").GetString());
    }

    private async Task<string> CreateSilenceAsync(string agent, string duration)
    {
        var response = await _alerts.Server.Client.PostAsJsonAsync("/api/alerts/silences",
            new { matcher = new { agent }, duration, comment = "maintenance" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 201, $"POST /api/alerts/silences answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    private static List<string> Lines(string output, string key) =>
        output.Split('\n').Where(l => l.Contains(key, StringComparison.Ordinal)).ToList();

    private static string Iso(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
