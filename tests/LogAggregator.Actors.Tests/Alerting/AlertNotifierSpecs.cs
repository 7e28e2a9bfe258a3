using System.Text.Json;
using Akka.Actor;
using LogAggregator.Alerting;
using LogAggregator.Configuration;
using LogAggregator.Model;
using LogAggregator.Testing;
using static LogAggregator.Alerting.AlertNotifierProtocol;

namespace LogAggregator.Tests.Alerting;

/// <summary>The notifier against a real HTTP listener standing in for HERMES, with its outbox in a real SQLite journal.</summary>
public sealed class AlertNotifierSpecs : ActorSpec
{
    private static readonly DateTime T0 = new(2025, 3, 14, 9, 26, 53, DateTimeKind.Utc);
    // The request timeout is long enough that a slow first answer on a busy machine is not taken for a lost one: an
    // attempt that times out is sent again, so HERMES would see that alert twice (which it tells apart by alert id),
    // and a spec counting deliveries would fail for the machine's sake. Nothing here waits for a timeout.
    private static readonly AlertDeliverySettings Delivery = new(TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400));

    private readonly FakeHermes _hermes = FakeHermes.Start();
    private readonly MutableClock _clock = new(new DateTimeOffset(T0.AddMinutes(1)));
    private int _incarnation;

    public AlertNotifierSpecs()
    {
        Notifier = StartNotifier();
    }

    private IActorRef Notifier { get; set; }

    [Fact]
    public async Task The_page_posted_to_api_alerts_carries_title_message_level_source_timestamp_and_metadata()
    {
        await DeliverAsync(Alert("a-1"));

        var request = await DeliveredAsync("a-1");
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/alerts", request.Path);
        AssertJson($$"""
            {
              "title": "[ERROR] CERBERUS: Error Alert",
              "message": {{JsonSerializer.Serialize(ExpectedMessage)}},
              "level": "error",
              "source": "CERBERUS",
              "timestamp": "2025-03-14T09:27:03.000Z",
              "metadata": {{ExpectedMetadata("a-1")}}
            }
            """, request.Body);
    }

    [Theory]
    [InlineData(404)]
    [InlineData(500)]
    public async Task When_api_alerts_refuses_the_page_goes_to_api_messages(int status)
    {
        _hermes.Answer("/api/alerts", status);

        await DeliverAsync(Alert("a-2"));

        var request = await DeliveredAsync("a-2");
        Assert.Equal("/api/messages", request.Path);
        Assert.Equal(["/api/alerts", "/api/messages"], _hermes.Requests.Select(r => r.Path));
        AssertJson($$"""
            {
              "channel": "alerts",
              "content": {{JsonSerializer.Serialize("[ERROR] CERBERUS: Error Alert\n" + ExpectedMessage)}},
              "source": "CERBERUS",
              "metadata": {{ExpectedMetadata("a-2")}}
            }
            """, request.Body);
        var record = await RecordAsync("a-2");
        Assert.Equal(DeliveryState.Delivered, record.State);
        Assert.Equal("/api/messages", record.Path);
        Assert.Equal([status, 200], record.RecentAttempts.Select(a => a.Status));
    }

    [Theory]
    [InlineData(Level.Critical, "critical")]
    [InlineData(Level.Fatal, "critical")]
    [InlineData(Level.Error, "high")]
    [InlineData(Level.Warning, "normal")]
    [InlineData(Level.Info, "low")]
    public async Task When_both_api_paths_fail_the_page_goes_to_notify_on_telegram_with_the_level_as_priority(Level level, string priority)
    {
        _hermes.Answer("/api/alerts", 500);
        _hermes.Answer("/api/messages", 404);

        await DeliverAsync(Alert("a-3") with { Level = level });

        await AwaitConditionAsync(async () => (await RecordAsync("a-3")).State == DeliveryState.Delivered);
        var request = Assert.Single(_hermes.Requests, r => r.Path == "/notify");
        Assert.Equal(["/api/alerts", "/api/messages", "/notify"], _hermes.Requests.Select(r => r.Path));
        AssertJson($$"""
            {
              "message": {{JsonSerializer.Serialize("[ERROR] CERBERUS: Error Alert\n" + ExpectedMessage.Replace("Level: ERROR", $"Level: {level.Name()}"))}},
              "priority": "{{priority}}",
              "channel": "telegram"
            }
            """, request.Body);
    }

    [Fact]
    public async Task An_alert_waits_while_HERMES_is_down_and_is_delivered_once_when_it_comes_back()
    {
        _hermes.Refuse();

        await DeliverAsync(Alert("a-4"));

        // Two failed rounds: the supervisor has restarted the worker at least once.
        await AwaitConditionAsync(async () => (await RecordAsync("a-4")) is { State: DeliveryState.Failed, Attempts: >= 2 }, TimeSpan.FromSeconds(20));
        Assert.Empty(_hermes.Requests);
        _hermes.Accept();
        await DeliveredAsync("a-4");
        await DeliverAsync(Alert("marker"));
        await DeliveredAsync("marker");
        Assert.Single(_hermes.Requests, r => r.AlertId == "a-4");
    }

    [Fact]
    public async Task A_second_deliver_of_the_same_alert_is_accepted_and_not_sent_again()
    {
        await DeliverAsync(Alert("a-5"));
        await DeliverAsync(Alert("a-5"));
        await DeliveredAsync("a-5");
        await DeliverAsync(Alert("a-5"));

        // The marker is sent after anything queued before it: had a-5 been queued twice, it would be sent before the marker.
        await DeliverAsync(Alert("marker"));
        await DeliveredAsync("marker");
        Assert.Single(_hermes.Requests, r => r.AlertId == "a-5");
    }

    [Fact]
    public async Task The_outbox_survives_killing_and_recreating_the_notifier_with_nothing_lost_or_sent_twice()
    {
        await DeliverAsync(Alert("before"));
        await DeliveredAsync("before");
        _hermes.Refuse();
        await DeliverAsync(Alert("p-1"));
        await DeliverAsync(Alert("p-2"));
        await DeliverAsync(Alert("p-3"));

        await KillNotifierAsync();
        _hermes.Accept();
        Notifier = StartNotifier();

        await DeliveredAsync("p-3");
        await DeliverAsync(Alert("marker"));
        await DeliveredAsync("marker");
        Assert.Equal(["before", "p-1", "p-2", "p-3", "marker"], _hermes.Delivered.Select(r => r.AlertId));
        Assert.Equal(DeliveryState.Delivered, (await RecordAsync("p-1")).State);
    }

    [Theory]
    [InlineData("cerberus", null, null)]
    [InlineData(null, "CERBERUS:connection to <*> timed out", null)]
    [InlineData(null, null, "connection to <*> timed out")]
    [InlineData("CERBERUS", null, "CONNECTION TO <*> TIMED OUT")]
    public async Task A_matching_silence_records_the_alert_as_silenced_and_sends_nothing(string? agent, string? key, string? pattern)
    {
        var silence = await SilenceAsync(new SilenceMatcher(agent, key, pattern), TimeSpan.FromMinutes(30));

        await DeliverAsync(Alert("s-1"));
        await DeliverAsync(Alert("other") with { Agent = "ATLAS", Key = "ATLAS:disk <*> full", Pattern = "disk <*> full" });

        await DeliveredAsync("other");
        var record = await RecordAsync("s-1");
        Assert.Equal(DeliveryState.Silenced, record.State);
        Assert.Equal(silence.Id, record.SilenceId);
        Assert.DoesNotContain(_hermes.Requests, r => r.AlertId == "s-1");
    }

    [Fact]
    public async Task An_expired_silence_no_longer_applies()
    {
        await SilenceAsync(new SilenceMatcher("CERBERUS", null, null), TimeSpan.FromMinutes(30));
        _clock.Now += TimeSpan.FromMinutes(31);

        await DeliverAsync(Alert("s-2"));

        await DeliveredAsync("s-2");
        var silences = await Notifier.Ask<ListSilencesResponse>(ListSilences.Instance, RemainingOrDefault);
        Assert.Empty(silences.Silences);
    }

    [Fact]
    public async Task Silences_survive_a_restart_and_a_deleted_one_no_longer_applies()
    {
        var kept = await SilenceAsync(new SilenceMatcher("CERBERUS", null, null), TimeSpan.FromHours(2));
        var deleted = await SilenceAsync(new SilenceMatcher("ATLAS", null, null), TimeSpan.FromHours(2));
        Assert.True((await Notifier.Ask<DeleteSilenceResponse>(new DeleteSilence(deleted.Id), RemainingOrDefault)).Found);

        await KillNotifierAsync();
        Notifier = StartNotifier();

        var silences = await Notifier.Ask<ListSilencesResponse>(ListSilences.Instance, RemainingOrDefault);
        Assert.Equal([kept.Id], silences.Silences.Select(s => s.Id));
        await DeliverAsync(Alert("s-3"));
        await DeliverAsync(Alert("atlas") with { Agent = "ATLAS" });
        await DeliveredAsync("atlas");
        Assert.Equal(DeliveryState.Silenced, (await RecordAsync("s-3")).State);
        Assert.False((await Notifier.Ask<DeleteSilenceResponse>(new DeleteSilence(deleted.Id), RemainingOrDefault)).Found);
    }

    [Fact]
    public async Task Alerts_are_listed_newest_first_and_filtered_by_agent_and_state()
    {
        await DeliverAsync(Alert("l-1"));
        await DeliveredAsync("l-1");
        _clock.Now += TimeSpan.FromSeconds(1);
        _hermes.Refuse();
        await DeliverAsync(Alert("l-2") with { Agent = "ATLAS" });
        await AwaitConditionAsync(async () => (await RecordAsync("l-2")).State == DeliveryState.Failed, TimeSpan.FromSeconds(20));

        var all = await Notifier.Ask<ListAlertsResponse>(new ListAlerts(10, null, null), RemainingOrDefault);
        var atlas = await Notifier.Ask<ListAlertsResponse>(new ListAlerts(10, "atlas", null), RemainingOrDefault);
        var delivered = await Notifier.Ask<ListAlertsResponse>(new ListAlerts(10, null, DeliveryState.Delivered), RemainingOrDefault);

        Assert.Equal(["l-2", "l-1"], all.Alerts.Select(a => a.Alert.Id));
        Assert.Equal(["l-2"], atlas.Alerts.Select(a => a.Alert.Id));
        Assert.Equal(["l-1"], delivered.Alerts.Select(a => a.Alert.Id));
    }

    private const string Link = "http://localhost:8062/?agent=CERBERUS&q=connection&from=2025-03-14T09:21:53Z&to=2025-03-14T09:27:03Z";

    private static readonly string ExpectedMessage = string.Join('\n',
        "Agent: CERBERUS",
        "Level: ERROR",
        "Time: 2025-03-14T09:26:53.000Z",
        "Reason: 5 errors within 300 s",
        "Message: connection to 10.0.0.7 timed out",
        "Source: log-aggregator, alert CERBERUS:connection to <*> timed out",
        Link);

    private static string ExpectedMetadata(string id) => $$"""
        {
          "alert_id": "{{id}}",
          "key": "CERBERUS:connection to <*> timed out",
          "pattern": "connection to <*> timed out",
          "reason": "5 errors within 300 s",
          "count": 5,
          "first_seen": "2025-03-14T09:21:53.000Z",
          "last_seen": "2025-03-14T09:26:53.000Z",
          "samples": [
            {"id": "20250314-1", "time": "2025-03-14T09:21:53.000Z", "message": "connection to 10.0.0.1 timed out"},
            {"id": "20250314-2", "time": "2025-03-14T09:22:53.000Z", "message": "connection to 10.0.0.2 timed out"},
            {"id": "20250314-3", "time": "2025-03-14T09:23:53.000Z", "message": "connection to 10.0.0.3 timed out"},
            {"id": "20250314-4", "time": "2025-03-14T09:24:53.000Z", "message": "connection to 10.0.0.4 timed out"},
            {"id": "20250314-5", "time": "2025-03-14T09:25:53.000Z", "message": "connection to 10.0.0.5 timed out"}
          ],
          "link": "{{Link}}"
        }
        """;

    /// <summary>Six samples, so the page is seen to carry five; the last is the message line.</summary>
    private static Alert Alert(string id) => new(
        id,
        "CERBERUS:connection to <*> timed out",
        "[ERROR] CERBERUS: Error Alert",
        Level.Error,
        "5 errors within 300 s",
        "CERBERUS",
        "connection to <*> timed out",
        5,
        T0.AddMinutes(-5),
        T0,
        T0.AddSeconds(10),
        Enumerable.Range(1, 5).Select(i => new AlertSample($"20250314-{i}", T0.AddMinutes(i - 6), $"connection to 10.0.0.{i} timed out"))
            .Append(new AlertSample("20250314-9", T0, "connection to 10.0.0.7 timed out"))
            .ToList(),
        Link);

    private IActorRef StartNotifier() =>
        Sys.ActorOf(AlertNotifier.Props(new HermesClient(_hermes.Url, Delivery.RequestTimeout), Delivery, _clock), $"alert-notifier-{++_incarnation}");

    private async Task KillNotifierAsync()
    {
        Watch(Notifier);
        Sys.Stop(Notifier);
        await ExpectTerminatedAsync(Notifier);
    }

    private async Task DeliverAsync(Alert alert)
    {
        var accepted = await Notifier.Ask<DeliveryAccepted>(new Deliver(alert), TimeSpan.FromSeconds(10));
        Assert.Equal(alert.Id, accepted.AlertId);
    }

    private async Task<Silence> SilenceAsync(SilenceMatcher matcher, TimeSpan duration) =>
        (await Notifier.Ask<CreateSilenceResponse>(new CreateSilence(matcher, duration, "maintenance"), TimeSpan.FromSeconds(10))).Silence;

    private async Task<AlertRecord> RecordAsync(string id) =>
        (await Notifier.Ask<GetAlertResponse>(new GetAlert(id), TimeSpan.FromSeconds(10))).Alert ?? throw new InvalidOperationException($"no alert {id}");

    private async Task<HermesRequest> DeliveredAsync(string id)
    {
        await AwaitConditionAsync(() => Task.FromResult(_hermes.Delivered.Any(r => r.AlertId == id)), TimeSpan.FromSeconds(20));
        await AwaitConditionAsync(async () => (await RecordAsync(id)).State == DeliveryState.Delivered, TimeSpan.FromSeconds(10));
        return _hermes.Delivered.Single(r => r.AlertId == id);
    }

    private static void AssertJson(string expected, string actual) =>
        Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(expected)), JsonSerializer.Serialize(JsonDocument.Parse(actual)));

    protected override void AfterAll()
    {
        _hermes.Dispose();
        base.AfterAll();
    }
}

public sealed class SilenceDurationTests
{
    [Theory]
    [InlineData("30m", 1800)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    [InlineData("90s", 90)]
    [InlineData("600", 600)]
    [InlineData(" 1.5h ", 5400)]
    public void Durations_read_as_operators_write_them(string text, double seconds)
    {
        Assert.True(SilenceDurations.TryParse(text, out var duration, out var error), error);
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5m")]
    [InlineData("0")]
    [InlineData("30x")]
    [InlineData("400d")]
    [InlineData("NaN")]
    public void Bad_durations_are_refused_with_a_reason(string text)
    {
        Assert.False(SilenceDurations.TryParse(text, out _, out var error));
        Assert.NotEmpty(error);
    }
}
