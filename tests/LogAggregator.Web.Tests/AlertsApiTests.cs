using System.Net;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using LogAggregator.Alerting;
using LogAggregator.Model;
using LogAggregator.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LogAggregator.Web.Tests;

/// <summary>/api/alerts and the silences, on the real host with HERMES_URL at a fake HERMES.</summary>
public sealed class AlertsApiTests : IAsyncLifetime
{
    private readonly FakeHermes _hermes = FakeHermes.Start();
    private TestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await TestHost.StartAsync(new Dictionary<string, string?> { ["HERMES_URL"] = _hermes.Url });

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _hermes.Dispose();
    }

    [Fact]
    public async Task A_delivered_alert_is_listed_with_its_delivery_and_shown_with_its_samples_and_attempts()
    {
        await DeliverAsync(Alert("web-1"));

        var listed = await EventuallyAsync(
            async () => (await _host.GetJsonAsync("/api/alerts")).GetProperty("alerts").EnumerateArray().ToList(),
            alerts => alerts.Count == 1 && alerts[0].GetProperty("delivery").GetProperty("state").GetString() == "delivered");
        var row = listed[0];
        Assert.Equal("web-1", row.GetProperty("id").GetString());
        Assert.Equal("CERBERUS:disk <*> full", row.GetProperty("key").GetString());
        Assert.Equal("[CRITICAL] CERBERUS: Critical Alert", row.GetProperty("title").GetString());
        Assert.Equal("CRITICAL", row.GetProperty("level").GetString());
        Assert.Equal("CRITICAL entry", row.GetProperty("reason").GetString());
        Assert.Equal("CERBERUS", row.GetProperty("agent").GetString());
        Assert.Equal("2025-03-14T09:00:00Z", row.GetProperty("first_seen").GetString());
        Assert.Equal("2025-03-14T09:00:00Z", row.GetProperty("last_seen").GetString());
        Assert.Equal(1, row.GetProperty("count").GetInt64());
        Assert.Equal(1, row.GetProperty("delivery").GetProperty("attempts").GetInt32());
        Assert.Equal("/api/alerts", row.GetProperty("delivery").GetProperty("path").GetString());

        var one = await _host.GetJsonAsync("/api/alerts/web-1");
        Assert.Equal("disk 3 full", one.GetProperty("samples")[0].GetProperty("message").GetString());
        var attempt = Assert.Single(one.GetProperty("delivery").GetProperty("recent_attempts").EnumerateArray());
        Assert.Equal(200, attempt.GetProperty("status").GetInt32());
        Assert.Single(_hermes.Requests, r => r.AlertId == "web-1");
    }

    [Fact]
    public async Task An_alert_HERMES_cannot_take_is_listed_as_failed_and_the_state_filter_finds_it()
    {
        _hermes.Refuse();
        await DeliverAsync(Alert("web-2"));

        var failed = await EventuallyAsync(
            async () => (await _host.GetJsonAsync("/api/alerts?state=failed")).GetProperty("alerts").EnumerateArray().ToList(),
            alerts => alerts.Count == 1);

        Assert.Equal("web-2", failed[0].GetProperty("id").GetString());
        Assert.Empty((await _host.GetJsonAsync("/api/alerts?state=delivered")).GetProperty("alerts").EnumerateArray());
        Assert.Single((await _host.GetJsonAsync("/api/alerts?agent=cerberus")).GetProperty("alerts").EnumerateArray());
        Assert.Empty((await _host.GetJsonAsync("/api/alerts?agent=ATLAS")).GetProperty("alerts").EnumerateArray());
    }

    [Fact]
    public async Task An_unknown_alert_is_404()
    {
        var response = await _host.Client.GetAsync("/api/alerts/no-such-alert");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Silences_are_created_listed_deleted_and_silence_matching_alerts()
    {
        var created = await PostSilenceAsync("""{"matcher": {"agent": "CERBERUS"}, "duration": "2h", "comment": "disk swap"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var silence = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        var id = silence.GetProperty("id").GetString()!;
        Assert.Equal("CERBERUS", silence.GetProperty("matcher").GetProperty("agent").GetString());
        Assert.Equal("disk swap", silence.GetProperty("comment").GetString());
        var startsAt = DateTime.Parse(silence.GetProperty("starts_at").GetString()!, null, System.Globalization.DateTimeStyles.RoundtripKind);
        var endsAt = DateTime.Parse(silence.GetProperty("ends_at").GetString()!, null, System.Globalization.DateTimeStyles.RoundtripKind);
        Assert.Equal(TimeSpan.FromHours(2), endsAt - startsAt);

        var listed = (await _host.GetJsonAsync("/api/alerts/silences")).GetProperty("silences").EnumerateArray().ToList();
        Assert.Equal([id], listed.Select(s => s.GetProperty("id").GetString()));

        await DeliverAsync(Alert("silenced"));
        await DeliverAsync(Alert("marker") with { Agent = "ATLAS" });
        await EventuallyAsync(() => Task.FromResult(_hermes.Delivered.Select(r => r.AlertId).ToList()), ids => ids.Contains("marker"));
        Assert.Equal("silenced", (await _host.GetJsonAsync("/api/alerts/silenced")).GetProperty("delivery").GetProperty("state").GetString());
        Assert.DoesNotContain(_hermes.Requests, r => r.AlertId == "silenced");

        Assert.Equal(HttpStatusCode.NoContent, (await _host.Client.DeleteAsync($"/api/alerts/silences/{id}")).StatusCode);
        Assert.Empty((await _host.GetJsonAsync("/api/alerts/silences")).GetProperty("silences").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await _host.Client.DeleteAsync($"/api/alerts/silences/{id}")).StatusCode);
    }

    [Theory]
    [InlineData("""{"duration": "30m"}""", "matcher")]
    [InlineData("""{"matcher": {}, "duration": "30m"}""", "matcher")]
    [InlineData("""{"matcher": {"agent": "  "}, "duration": "30m"}""", "matcher")]
    [InlineData("""{"matcher": {"agent": 5}, "duration": "30m"}""", "matcher.agent")]
    [InlineData("""{"matcher": {"agent": "A"}}""", "duration")]
    [InlineData("""{"matcher": {"agent": "A"}, "duration": "soon"}""", "duration")]
    [InlineData("""{"matcher": {"agent": "A"}, "duration": "-30m"}""", "duration")]
    [InlineData("""{"matcher": {"agent": "A"}, "duration": -60}""", "duration")]
    [InlineData("""{"matcher": {"agent": "A"}, "duration": "30m", "comment": 7}""", "comment")]
    [InlineData("""{"matcher": """, "body")]
    [InlineData("""[]""", "body")]
    public async Task A_bad_silence_gets_400_naming_the_field_and_creates_nothing(string body, string field)
    {
        var response = await PostSilenceAsync(body);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Empty((await _host.GetJsonAsync("/api/alerts/silences")).GetProperty("silences").EnumerateArray());
    }

    [Theory]
    [InlineData("/api/alerts?state=lost", "state")]
    [InlineData("/api/alerts?limit=-1", "limit")]
    [InlineData("/api/alerts?limit=many", "limit")]
    public async Task Bad_alert_filters_get_400_naming_the_field(string path, string field) =>
        await _host.AssertBadRequestAsync(path, field);

    private async Task<HttpResponseMessage> PostSilenceAsync(string body) =>
        await _host.Client.PostAsync("/api/alerts/silences", new StringContent(body, Encoding.UTF8, "application/json"));

    private async Task DeliverAsync(Alert alert)
    {
        var notifier = await _host.Services.GetRequiredService<IRequiredActor<AlertNotifier>>().GetAsync();
        var accepted = await notifier.Ask<AlertNotifierProtocol.DeliveryAccepted>(new AlertNotifierProtocol.Deliver(alert), TimeSpan.FromSeconds(30));
        Assert.Equal(alert.Id, accepted.AlertId);
    }

    private static Alert Alert(string id)
    {
        var at = new DateTime(2025, 3, 14, 9, 0, 0, DateTimeKind.Utc);
        return new Alert(id, "CERBERUS:disk <*> full", "[CRITICAL] CERBERUS: Critical Alert", Level.Critical, "CRITICAL entry", "CERBERUS",
            "disk <*> full", 1, at, at, at, [new AlertSample("20250314-3", at, "disk 3 full")], "http://localhost:8062/?agent=CERBERUS");
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not reached within 30 s; last seen: {value}");
            }

            await Task.Delay(100);
        }
    }
}
