using System.Text.Json;

namespace LogAggregator.Web.Tests;

/// <summary>What the web UI asks beyond the old contract: header totals and agent counts for a time range, histograms by bucket count.</summary>
public sealed class UiQueriesApiTests : IAsyncLifetime
{
    private static readonly DateTime T0 = new(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Stats_over_a_time_range_count_only_its_entries_by_level_and_agent()
    {
        await _host.PostOkAsync(new object[]
        {
            new { timestamp = T0.AddMinutes(-1), agent = "ATLAS", level = "ERROR", message = "before the range" },
            new { timestamp = T0, agent = "ATLAS", level = "ERROR", message = "a" },
            new { timestamp = T0.AddMinutes(5), agent = "Atlas", level = "CRITICAL", message = "b" },
            new { timestamp = T0.AddMinutes(10), agent = "HERMES", level = "INFO", message = "c" },
            new { timestamp = T0.AddMinutes(15), agent = "HERMES", level = "INFO", message = "d" },
            new { timestamp = T0.AddHours(1), agent = "CERBERUS", level = "INFO", message = "at the (exclusive) end" },
        });

        var ranged = await _host.GetJsonAsync("/api/stats?start_time=2024-03-01T12:00:00Z&end_time=2024-03-01T13:00:00Z");
        var from = await _host.GetJsonAsync("/api/stats?start_time=2024-03-01T12:10:00Z");
        var all = await _host.GetJsonAsync("/api/stats");

        Assert.Equal(4, ranged.GetProperty("total_logs").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["INFO"] = 2, ["ERROR"] = 1, ["CRITICAL"] = 1 }, Counts(ranged.GetProperty("by_level")));
        Assert.Equal(new Dictionary<string, long> { ["ATLAS"] = 1, ["Atlas"] = 1, ["HERMES"] = 2 }, Counts(ranged.GetProperty("by_agent")));
        Assert.Equal(3, from.GetProperty("total_logs").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["HERMES"] = 2, ["CERBERUS"] = 1 }, Counts(from.GetProperty("by_agent")));
        // The stored days are what they are whatever the range.
        Assert.Equal(all.GetProperty("log_files").GetRawText(), ranged.GetProperty("log_files").GetRawText());
        Assert.Equal(6, all.GetProperty("total_logs").GetInt64());
    }

    [Theory]
    [InlineData("/api/stats?start_time=soon", "start_time")]
    [InlineData("/api/stats?end_time=later", "end_time")]
    public async Task Stats_refuse_an_unreadable_time(string path, string field) => await _host.AssertBadRequestAsync(path, field);

    private static Dictionary<string, long> Counts(JsonElement element) =>
        element.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
}

/// <summary><c>/api/logs/histogram?buckets=N</c>: a chart's worth of even buckets over any range.</summary>
public sealed class BucketedHistogramApiTests : IAsyncLifetime
{
    private static readonly DateTime T0 = new(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_bucket_count_covers_the_range_with_even_buckets_stacked_by_level_empty_ones_included()
    {
        await _host.PostOkAsync(new object[]
        {
            new { timestamp = T0.AddSeconds(-1), level = "ERROR", message = "before the range" },
            new { timestamp = T0, level = "ERROR", message = "a" },
            new { timestamp = T0.AddMinutes(4), level = "INFO", message = "b" },
            new { timestamp = T0.AddMinutes(4.5), level = "INFO", message = "c" },
            new { timestamp = T0.AddMinutes(27), agent = "HERMES", level = "WARNING", message = "d" },
            new { timestamp = T0.AddMinutes(59), level = "FATAL", message = "e" },
            new { timestamp = T0.AddHours(1), level = "ERROR", message = "at the (exclusive) end" },
        });

        var histogram = await _host.GetJsonAsync("/api/logs/histogram?buckets=12&start_time=2024-03-01T12:00:00Z&end_time=2024-03-01T13:00:00Z");
        var hermes = await _host.GetJsonAsync("/api/logs/histogram?buckets=12&agent=hermes&start_time=2024-03-01T12:00:00Z&end_time=2024-03-01T13:00:00Z");

        Assert.Equal(300_000, histogram.GetProperty("interval_ms").GetInt64());
        Assert.Equal("5m", histogram.GetProperty("interval").GetString());
        var buckets = histogram.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, 12).Select(i => T0.AddMinutes(5 * i).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'")),
            buckets.Select(b => b.GetProperty("time").GetString()));
        Assert.Equal([3L, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1], buckets.Select(b => b.GetProperty("count").GetInt64()));
        Assert.Equal("""{"INFO":2,"ERROR":1}""", buckets[0].GetProperty("by_level").GetRawText());
        Assert.Equal("{}", buckets[1].GetProperty("by_level").GetRawText());
        Assert.Equal("""{"FATAL":1}""", buckets[11].GetProperty("by_level").GetRawText());
        Assert.Equal([0L, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], hermes.GetProperty("buckets").EnumerateArray().Select(b => b.GetProperty("count").GetInt64()));
    }

    [Theory]
    [InlineData("2024-03-01T00:00:00Z", "2024-03-01T00:15:00Z", 100, 60_000, 15)] // never finer than a minute
    [InlineData("2024-03-01T00:00:00Z", "2024-03-08T00:00:00Z", 100, 7_200_000, 84)] // 7 days / 100 = 101 min: 2 h
    [InlineData("2024-03-01T00:00:00Z", "2024-03-21T00:00:00Z", 1000, 3_600_000, 480)] // 30 min would need 28,800 minute reads: 1 h
    [InlineData("2023-03-01T00:00:00Z", "2024-03-01T00:00:00Z", 60, 604_800_000, 53)] // a year in weeks (from Monday 2023-02-27)
    [InlineData("2024-03-01T00:30:00Z", "2024-03-01T02:10:00Z", 4, 1_800_000, 4)] // 100 min / 4 = 25 min: 30 min, from 00:30
    public async Task The_bucket_width_is_the_nearest_round_width_at_or_above_the_range_over_the_count(
        string start, string end, int count, long width, int expectedBuckets)
    {
        await _host.PostOkAsync(new { timestamp = DateTime.Parse(start, null, System.Globalization.DateTimeStyles.AdjustToUniversal), message = "x" });

        var histogram = await _host.GetJsonAsync($"/api/logs/histogram?buckets={count}&start_time={start}&end_time={end}");

        Assert.Equal(width, histogram.GetProperty("interval_ms").GetInt64());
        Assert.Equal(expectedBuckets, histogram.GetProperty("buckets").GetArrayLength());
        Assert.Equal(1, histogram.GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("count").GetInt64()));
    }

    [Fact]
    public async Task Without_an_end_a_bucketed_histogram_runs_to_now()
    {
        await _host.PostOkAsync(new { message = "just now" });
        var start = DateTime.UtcNow.AddMinutes(-30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

        var histogram = await _host.GetJsonAsync($"/api/logs/histogram?buckets=60&start_time={start}");

        Assert.Equal(60_000, histogram.GetProperty("interval_ms").GetInt64());
        Assert.Equal(1, histogram.GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("count").GetInt64()));
        Assert.InRange(histogram.GetProperty("buckets").GetArrayLength(), 30, 32);
    }

    [Fact]
    public async Task The_interval_form_is_unchanged_and_has_no_interval_ms()
    {
        await _host.PostOkAsync(new { timestamp = T0, message = "x" });

        var histogram = await _host.GetJsonAsync("/api/logs/histogram?interval=minute");

        Assert.False(histogram.TryGetProperty("interval_ms", out _));
        Assert.Equal("minute", histogram.GetProperty("interval").GetString());
        Assert.Single(histogram.GetProperty("buckets").EnumerateArray());
    }

    [Theory]
    [InlineData("buckets=1&start_time=0001-01-01T00:00:00Z&end_time=9999-12-31T23:59:59.9999999Z", 1)]
    [InlineData("buckets=1000000&start_time=2024-01-01T00:00:00Z&end_time=2024-01-01T00:01:00Z", 1)]
    [InlineData("buckets=1000000&start_time=2024-01-01T00:00:00Z&end_time=2024-03-01T00:00:00Z", 720)] // 60 days / 1000 = 86 min: 2 h
    public async Task Extreme_ranges_and_counts_are_answered(string query, int expectedBuckets)
    {
        await _host.PostOkAsync(new { timestamp = T0, message = "x" });

        var histogram = await _host.GetJsonAsync($"/api/logs/histogram?{query}");

        Assert.Equal(expectedBuckets, histogram.GetProperty("buckets").GetArrayLength());
    }

    [Theory]
    [InlineData("/api/logs/histogram?buckets=0&start_time=2024-03-01T00:00:00Z", "buckets")]
    [InlineData("/api/logs/histogram?buckets=ten&start_time=2024-03-01T00:00:00Z", "buckets")]
    [InlineData("/api/logs/histogram?buckets=10", "start_time")]
    [InlineData("/api/logs/histogram?buckets=10&interval=hour&start_time=2024-03-01T00:00:00Z", "buckets")]
    [InlineData("/api/logs/histogram?buckets=10&start_time=2024-03-01T00:00:00Z&end_time=2024-03-01T00:00:00Z", "end_time")]
    public async Task Bad_bucket_requests_get_a_problem_naming_the_field(string path, string field) =>
        await _host.AssertBadRequestAsync(path, field);
}

/// <summary><c>level=ERROR,CRITICAL</c>: the UI's level toggles, on every endpoint that filters by level.</summary>
public sealed class LevelSetApiTests : IAsyncLifetime
{
    private static readonly DateTime T0 = new(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await TestHost.StartAsync();
        await _host.PostOkAsync(new object[]
        {
            new { timestamp = T0, agent = "ATLAS", level = "INFO", message = "disk a" },
            new { timestamp = T0.AddMinutes(1), agent = "ATLAS", level = "ERROR", message = "disk b" },
            new { timestamp = T0.AddMinutes(2), agent = "ATLAS", level = "WARNING", message = "disk c" },
            new { timestamp = T0.AddMinutes(3), agent = "ATLAS", level = "CRITICAL", message = "disk d" },
            new { timestamp = T0.AddMinutes(4), agent = "HERMES", level = "ERROR", message = "disk e" },
        });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Several_comma_separated_levels_keep_entries_of_any_of_them()
    {
        const string levels = "level=error,%20Critical";
        const string range = "start_time=2024-03-01T12:00:00Z&end_time=2024-03-01T13:00:00Z";

        var logs = await _host.GetJsonAsync($"/api/logs?{levels}");
        var search = await _host.GetJsonAsync($"/api/logs/search?q=disk&{levels}");
        var agent = await _host.GetJsonAsync($"/api/logs/agent/atlas?{levels}");
        var histogram = await _host.GetJsonAsync($"/api/logs/histogram?buckets=1&{levels}&{range}");
        var export = await _host.Client.GetStringAsync($"/api/logs/export?{levels}");

        Assert.Equal(["disk e", "disk d", "disk b"], Messages(logs.GetProperty("logs")));
        Assert.Equal(3, logs.GetProperty("total").GetInt64());
        Assert.Equal(["disk e", "disk d", "disk b"], Messages(search.GetProperty("results")));
        Assert.Equal(["disk d", "disk b"], Messages(agent.GetProperty("logs")));
        Assert.Equal("""{"ERROR":2,"CRITICAL":1}""", histogram.GetProperty("buckets")[0].GetProperty("by_level").GetRawText());
        Assert.Equal(3, export.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Theory]
    [InlineData("/api/logs?level=error,loud")]
    [InlineData("/api/logs?level=error,")]
    [InlineData("/api/logs/search?q=x&level=,")]
    [InlineData("/api/logs/tail?level=info,nope")]
    public async Task An_unknown_level_in_a_list_is_refused(string path) => await _host.AssertBadRequestAsync(path, "level");

    [Fact]
    public async Task Live_tail_keeps_entries_of_any_listed_level()
    {
        await using var tail = await SseStream.OpenAsync(_host.Client, "/api/logs/tail?level=critical,fatal");

        await _host.PostOkAsync(new { level = "ERROR", message = "not listed" });
        await _host.PostOkAsync(new { level = "FATAL", message = "fatal one" });
        await _host.PostOkAsync(new { level = "CRITICAL", message = "critical one" });

        var first = System.Text.Json.JsonDocument.Parse((await tail.NextEventAsync("log", TimeSpan.FromSeconds(15))).Data).RootElement;
        var second = System.Text.Json.JsonDocument.Parse((await tail.NextEventAsync("log", TimeSpan.FromSeconds(15))).Data).RootElement;
        Assert.Equal("fatal one", first.GetProperty("message").GetString());
        Assert.Equal("critical one", second.GetProperty("message").GetString());
    }

    private static string[] Messages(System.Text.Json.JsonElement list) =>
        list.EnumerateArray().Select(e => e.GetProperty("message").GetString()!).ToArray();
}
