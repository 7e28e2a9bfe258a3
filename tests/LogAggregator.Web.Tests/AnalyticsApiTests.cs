using System.Net;
using System.Text.Json;

namespace LogAggregator.Web.Tests;

/// <summary>Context, histogram and error summary over HTTP: shapes, filters, ordering and refusals.</summary>
public sealed class AnalyticsApiTests : IAsyncLifetime
{
    private static readonly DateTime T0 = new(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Context_lists_the_same_source_and_agent_in_file_order_around_the_target()
    {
        await PostAsync(Enumerable.Range(1, 6).Select(i => (object)new
        {
            timestamp = T0.AddSeconds(i), agent = "Atlas", message = $"m{i}", source = "/var/log/atlas.log",
        }).Append(new { timestamp = T0.AddSeconds(3.5), agent = "ATLAS", message = "elsewhere", source = "api" }));
        var target = await IdOfAsync("m3");

        var context = await _host.GetJsonAsync($"/api/logs/context?id={target}&before=2&after=2");
        var defaults = await _host.GetJsonAsync($"/api/logs/context?id={target}");

        Assert.Equal(["m2", "m1"], Messages(context.GetProperty("before")));
        Assert.Equal(["m5", "m4"], Messages(context.GetProperty("after")));
        var entry = context.GetProperty("target");
        Assert.Equal(target, entry.GetProperty("id").GetString());
        Assert.Equal("m3", entry.GetProperty("message").GetString());
        Assert.Equal("2024-03-01T12:00:03Z", entry.GetProperty("timestamp").GetString());
        Assert.Equal("INFO", entry.GetProperty("level").GetString());
        Assert.Equal("/var/log/atlas.log", entry.GetProperty("source").GetString());
        Assert.Equal(JsonValueKind.Object, entry.GetProperty("metadata").ValueKind);
        Assert.Equal(["m2", "m1"], Messages(defaults.GetProperty("before")));
        Assert.Equal(["m6", "m5", "m4"], Messages(defaults.GetProperty("after")));
    }

    [Fact]
    public async Task Context_caps_before_and_after_at_one_hundred()
    {
        await PostAsync(Enumerable.Range(0, 105).Select(i => (object)new { timestamp = T0.AddSeconds(i), agent = "ATLAS", message = $"m{i}" }));
        var last = await IdOfAsync("m104");

        var context = await _host.GetJsonAsync($"/api/logs/context?id={last}&before=1000&after=1000");

        Assert.Equal(100, context.GetProperty("before").GetArrayLength());
        Assert.Equal("m103", context.GetProperty("before")[0].GetProperty("message").GetString());
        Assert.Equal("m4", context.GetProperty("before")[99].GetProperty("message").GetString());
        Assert.Equal(0, context.GetProperty("after").GetArrayLength());
    }

    [Theory]
    [InlineData("20240301-999")]
    [InlineData("19990101-1")]
    [InlineData("nonsense")]
    public async Task Context_of_an_unknown_id_is_a_404_problem(string id)
    {
        await PostAsync([new { message = "only one" }]);

        var response = await _host.Client.GetAsync($"/api/logs/context?id={id}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/logs/context", "id")]
    [InlineData("/api/logs/context?id=20240301-1&before=-1", "before")]
    [InlineData("/api/logs/context?id=20240301-1&after=abc", "after")]
    [InlineData("/api/logs/histogram?interval=week", "interval")]
    [InlineData("/api/logs/histogram?interval=1", "interval")]
    [InlineData("/api/logs/histogram?level=LOUD", "level")]
    [InlineData("/api/logs/histogram?start_time=soon", "start_time")]
    [InlineData("/api/errors/summary?hours=0", "hours")]
    [InlineData("/api/errors/summary?hours=-3", "hours")]
    [InlineData("/api/errors/summary?hours=abc", "hours")]
    [InlineData("/api/errors/summary?hours=9000", "hours")]
    public async Task Bad_parameters_get_a_problem_naming_the_field(string url, string field)
    {
        await _host.AssertBadRequestAsync(url, field);
    }

    [Fact]
    public async Task Histogram_counts_per_hour_by_default_oldest_first_with_levels_by_name()
    {
        await PostAsync([
            new { timestamp = T0.AddMinutes(5), agent = "ATLAS", level = "ERROR", message = "a" },
            new { timestamp = T0.AddMinutes(50), agent = "hermes", level = "INFO", message = "b" },
            new { timestamp = T0.AddMinutes(-10), agent = "ATLAS", level = "warn", message = "c" },
            new { timestamp = T0.AddHours(30), agent = "ATLAS", level = "ERROR", message = "d" },
        ]);

        var hourly = await _host.GetJsonAsync("/api/logs/histogram");
        var daily = await _host.GetJsonAsync("/api/logs/histogram?interval=DAY");

        Assert.Equal("hour", hourly.GetProperty("interval").GetString());
        var buckets = hourly.GetProperty("buckets");
        Assert.Equal(["2024-03-01T11:00:00Z", "2024-03-01T12:00:00Z", "2024-03-02T18:00:00Z"], Times(buckets));
        Assert.Equal([1, 2, 1], buckets.EnumerateArray().Select(b => b.GetProperty("count").GetInt64()));
        var noon = buckets[1].GetProperty("by_level");
        Assert.Equal(1, noon.GetProperty("ERROR").GetInt64());
        Assert.Equal(1, noon.GetProperty("INFO").GetInt64());
        Assert.False(noon.TryGetProperty("WARNING", out _));
        Assert.Equal("day", daily.GetProperty("interval").GetString());
        Assert.Equal(["2024-03-01T00:00:00Z", "2024-03-02T00:00:00Z"], Times(daily.GetProperty("buckets")));
    }

    [Fact]
    public async Task Histogram_filters_by_agent_level_and_time_range()
    {
        await PostAsync([
            new { timestamp = T0, agent = "Atlas", level = "ERROR", message = "a" },
            new { timestamp = T0.AddSeconds(30), agent = "ATLAS", level = "ERROR", message = "b" },
            new { timestamp = T0.AddMinutes(1), agent = "HERMES", level = "ERROR", message = "c" },
            new { timestamp = T0.AddMinutes(2), agent = "ATLAS", level = "INFO", message = "d" },
            new { timestamp = T0.AddMinutes(3), agent = "ATLAS", level = "ERROR", message = "e" },
        ]);

        var atlasErrors = await _host.GetJsonAsync("/api/logs/histogram?interval=minute&agent=atlas&level=error");
        var window = await _host.GetJsonAsync(
            "/api/logs/histogram?interval=minute&start_time=2024-03-01T12:00:30Z&end_time=2024-03-01T12:03:00Z");

        Assert.Equal(["2024-03-01T12:00:00Z", "2024-03-01T12:03:00Z"], Times(atlasErrors.GetProperty("buckets")));
        Assert.Equal(2, atlasErrors.GetProperty("buckets")[0].GetProperty("count").GetInt64());
        Assert.Equal(["2024-03-01T12:00:00Z", "2024-03-01T12:01:00Z", "2024-03-01T12:02:00Z"], Times(window.GetProperty("buckets")));
        Assert.All(window.GetProperty("buckets").EnumerateArray(), b => Assert.Equal(1, b.GetProperty("count").GetInt64()));
    }

    [Fact]
    public async Task Histogram_refuses_minute_buckets_over_years_naming_interval_but_the_default_range_shows_the_newest()
    {
        await PostAsync([new { timestamp = T0, message = "then" }, new { timestamp = T0.AddYears(1), message = "later" }]);

        var response = await _host.Client.GetAsync("/api/logs/histogram?interval=minute&start_time=2024-03-01T00:00:00Z");
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var daily = await _host.GetJsonAsync("/api/logs/histogram?interval=day");
        var byMinute = await _host.GetJsonAsync("/api/logs/histogram?interval=minute");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("interval", problem.GetProperty("field").GetString());
        Assert.Equal(2, daily.GetProperty("buckets").GetArrayLength());
        Assert.Equal(1, byMinute.GetProperty("buckets").GetArrayLength());
    }

    [Fact]
    public async Task Error_summary_counts_recent_errors_by_agent_and_masked_pattern()
    {
        var now = DateTime.UtcNow;
        await PostAsync([
            new { timestamp = now.AddMinutes(-5), agent = "ATLAS", level = "ERROR", message = "timeout after 5012 ms" },
            new { timestamp = now.AddMinutes(-4), agent = "HERMES", level = "CRITICAL", message = "timeout after 733 ms" },
            new { timestamp = now.AddMinutes(-3), agent = "HERMES", level = "FATAL", message = "timeout after 733 ms" },
            new { timestamp = now.AddMinutes(-2), agent = "ATLAS", level = "ERROR", message = "user 'bob' not found" },
            new { timestamp = now.AddMinutes(-1), agent = "ATLAS", level = "WARNING", message = "timeout after 1 ms" },
            new { timestamp = now.AddHours(-30), agent = "CERBERUS", level = "ERROR", message = "timeout after 9 ms" },
        ]);

        var day = await _host.GetJsonAsync("/api/errors/summary");
        var twoDays = await _host.GetJsonAsync("/api/errors/summary?hours=48");

        Assert.Equal(4, day.GetProperty("total_errors").GetInt64());
        Assert.Equal(24, day.GetProperty("time_range_hours").GetDouble());
        Assert.Equal(2, day.GetProperty("by_agent").GetProperty("ATLAS").GetInt64());
        Assert.Equal(2, day.GetProperty("by_agent").GetProperty("HERMES").GetInt64());
        Assert.False(day.GetProperty("by_agent").TryGetProperty("CERBERUS", out _));
        var top = day.GetProperty("top_errors");
        Assert.Equal(2, top.GetArrayLength());
        Assert.Equal("timeout after <num> ms", top[0].GetProperty("pattern").GetString());
        Assert.Equal(3, top[0].GetProperty("count").GetInt64());
        Assert.Equal(["ATLAS", "HERMES"], top[0].GetProperty("agents").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("timeout after 733 ms", top[0].GetProperty("sample").GetString());
        Assert.Equal("user '<str>' not found", top[1].GetProperty("pattern").GetString());
        Assert.Equal(5, twoDays.GetProperty("total_errors").GetInt64());
        Assert.Equal(48, twoDays.GetProperty("time_range_hours").GetDouble());
        Assert.Equal(4, twoDays.GetProperty("top_errors")[0].GetProperty("count").GetInt64());
    }

    private async Task PostAsync(IEnumerable<object> entries)
    {
        var response = await _host.PostAsync(string.Join("\n", entries.Select(e => JsonSerializer.Serialize(e))), "application/x-ndjson");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<string> IdOfAsync(string message)
    {
        var logs = await _host.GetJsonAsync("/api/logs?limit=1000");
        return logs.GetProperty("logs").EnumerateArray()
            .Single(e => e.GetProperty("message").GetString() == message).GetProperty("id").GetString()!;
    }

    private static List<string?> Messages(JsonElement entries) =>
        entries.EnumerateArray().Select(e => e.GetProperty("message").GetString()).ToList();

    private static List<string?> Times(JsonElement buckets) =>
        buckets.EnumerateArray().Select(b => b.GetProperty("time").GetString()).ToList();
}
