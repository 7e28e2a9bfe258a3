using LogAggregator.Model;
using LogAggregator.Storage;
using static LogAggregator.Tests.Storage.StoreHarness;

namespace LogAggregator.Tests.Storage;

/// <summary>Context, histograms and the error summary on real day files.</summary>
public sealed class DuckDbLogStoreAnalyticsTests : IAsyncLifetime
{
    private static readonly DateTime T0 = Day1.UtcDateTime;
    private readonly StoreHarness _harness = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Context_follows_arrival_order_of_one_source_and_agent_across_a_day_boundary()
    {
        // l3 carries an earlier timestamp than l2, as a tailed file may: arrival order still puts it after l2.
        var day1 = await _harness.AppendAsync(
            Entry("l1", at: T0), Entry("other agent", agent: "HERMES", at: T0.AddSeconds(1)) with { Source = "/tmp/cerberus.log" }, Entry("l2", at: T0.AddSeconds(2)),
            Entry("other source", at: T0.AddSeconds(3)) with { Source = "api" }, Entry("l3", at: T0.AddSeconds(1)));
        _harness.Clock.Now = Day1.AddDays(1);
        var day2 = await _harness.AppendAsync(Entry("l4", at: T0.AddDays(1)), Entry("l5", at: T0.AddDays(1)), Entry("l6", at: T0.AddDays(1)));

        var aroundL4 = await _harness.Store.GetContextAsync(day2[0], before: 2, after: 1);
        var aroundL3 = await _harness.Store.GetContextAsync(day1[4], before: 10, after: 2);

        Assert.NotNull(aroundL4);
        Assert.Equal(["l3", "l2"], Messages(aroundL4.Before));
        Assert.Equal("l4", aroundL4.Target.Entry.Message);
        Assert.Equal(day2[0], aroundL4.Target.Id);
        Assert.Equal(["l5"], Messages(aroundL4.After));
        Assert.NotNull(aroundL3);
        Assert.Equal(["l2", "l1"], Messages(aroundL3.Before));
        Assert.Equal(["l5", "l4"], Messages(aroundL3.After));
    }

    [Fact]
    public async Task Context_with_zero_before_and_after_holds_only_the_target()
    {
        var ids = await _harness.AppendAsync(Entry("a"), Entry("b"), Entry("c"));

        var context = await _harness.Store.GetContextAsync(ids[1], before: 0, after: 0);

        Assert.NotNull(context);
        Assert.Empty(context.Before);
        Assert.Empty(context.After);
        Assert.Equal("b", context.Target.Entry.Message);
    }

    [Theory]
    [InlineData("20261123-99")]
    [InlineData("20201010-1")]
    [InlineData("not-an-id")]
    [InlineData("")]
    public async Task Context_of_an_unknown_or_malformed_id_is_null(string id)
    {
        await _harness.AppendAsync(Entry("a"));

        Assert.Null(await _harness.Store.GetContextAsync(id, 5, 5));
    }

    [Fact]
    public async Task Histogram_buckets_by_minute_hour_and_day_split_by_level_oldest_first()
    {
        await _harness.AppendAsync(
            Entry("a", at: T0.AddSeconds(10)), Entry("b", level: Level.Error, at: T0.AddSeconds(50)),
            Entry("c", agent: "HERMES", at: T0.AddSeconds(65)), Entry("d", level: Level.Warning, at: T0.AddMinutes(90)));
        _harness.Clock.Now = Day1.AddDays(1);
        // A late arrival in the next day's file still lands in its own hour's bucket, summed with the first file's.
        await _harness.AppendAsync(Entry("late", at: T0.AddMinutes(95)), Entry("e", level: Level.Error, at: T0.AddHours(23)));

        var minutes = await _harness.Store.HistogramAsync(LogFilter.None, HistogramInterval.Minute);
        var hours = await _harness.Store.HistogramAsync(LogFilter.None, HistogramInterval.Hour);
        var days = await _harness.Store.HistogramAsync(LogFilter.None, HistogramInterval.Day);

        Assert.Equal(
            [(T0, 2L), (T0.AddMinutes(1), 1L), (T0.AddMinutes(90), 1L), (T0.AddMinutes(95), 1L), (T0.AddHours(23), 1L)],
            minutes.Buckets.Select(b => (b.Time, b.Count)));
        Assert.Equal(new Dictionary<Level, long> { [Level.Info] = 1, [Level.Error] = 1 }, minutes.Buckets[0].ByLevel);
        Assert.Equal([(T0, 3L), (T0.AddHours(1), 2L), (T0.AddHours(23), 1L)], hours.Buckets.Select(b => (b.Time, b.Count)));
        Assert.Equal(new Dictionary<Level, long> { [Level.Warning] = 1, [Level.Info] = 1 }, hours.Buckets[1].ByLevel);
        Assert.Equal([(T0.Date, 5L), (T0.Date.AddDays(1), 1L)], days.Buckets.Select(b => (b.Time, b.Count)));
        Assert.All(days.Buckets, b => Assert.Equal(DateTimeKind.Utc, b.Time.Kind));
    }

    [Fact]
    public async Task Histogram_honours_agent_level_and_time_filters()
    {
        await _harness.AppendAsync(
            Entry("a", level: Level.Error, at: T0.AddSeconds(10)), Entry("b", level: Level.Error, at: T0.AddSeconds(40)),
            Entry("c", agent: "HERMES", level: Level.Error, at: T0.AddMinutes(1)), Entry("d", at: T0.AddMinutes(2)),
            Entry("e", level: Level.Error, at: T0.AddMinutes(3)));

        var cerberusErrors = await _harness.Store.HistogramAsync(new LogFilter("CERBERUS", Level.Error), HistogramInterval.Minute);
        var window = await _harness.Store.HistogramAsync(new LogFilter(From: T0.AddSeconds(40), To: T0.AddMinutes(3)), HistogramInterval.Minute);

        Assert.Equal([(T0, 2L), (T0.AddMinutes(3), 1L)], cerberusErrors.Buckets.Select(b => (b.Time, b.Count)));
        Assert.Equal([(T0, 1L), (T0.AddMinutes(1), 1L), (T0.AddMinutes(2), 1L)], window.Buckets.Select(b => (b.Time, b.Count)));
        Assert.Empty((await _harness.Store.HistogramAsync(new LogFilter(AgentKey: "NOBODY"), HistogramInterval.Hour)).Buckets);
    }

    [Fact]
    public async Task Histograms_of_past_days_answer_each_filter_and_today_keeps_counting()
    {
        await _harness.AppendAsync(Entry("a", at: T0), Entry("b", agent: "HERMES", level: Level.Error, at: T0));
        _harness.Clock.Now = Day1.AddDays(1);
        await _harness.AppendAsync(Entry("c", at: T0.AddDays(1)));
        // Reopened on day 2: today's file has no writer until the next append, which must still be counted.
        await _harness.ReopenAsync();

        var all = await _harness.Store.HistogramAsync(LogFilter.None, HistogramInterval.Day);
        var hermes = await _harness.Store.HistogramAsync(new LogFilter(AgentKey: "HERMES"), HistogramInterval.Day);
        await _harness.AppendAsync(Entry("d", at: T0.AddDays(1)));
        var after = await _harness.Store.HistogramAsync(LogFilter.None, HistogramInterval.Day);

        var day1 = T0.Date;
        Assert.Equal([(day1, 2L), (day1.AddDays(1), 1L)], all.Buckets.Select(b => (b.Time, b.Count)));
        Assert.Equal([(day1, 1L)], hermes.Buckets.Select(b => (b.Time, b.Count)));
        Assert.Equal([(day1, 2L), (day1.AddDays(1), 2L)], after.Buckets.Select(b => (b.Time, b.Count)));
    }

    [Fact]
    public async Task Histogram_refuses_a_range_needing_too_many_buckets_unless_a_filter_narrows_it()
    {
        await _harness.AppendAsync(Entry("old", at: T0), Entry("new", at: T0.AddDays(30)));

        var refused = await Assert.ThrowsAsync<HistogramTooWideException>(
            () => _harness.Store.HistogramAsync(new LogFilter(From: T0), HistogramInterval.Minute));
        var hours = await _harness.Store.HistogramAsync(LogFilter.None, HistogramInterval.Hour);
        var lastDay = await _harness.Store.HistogramAsync(new LogFilter(From: T0.AddDays(29)), HistogramInterval.Minute);

        Assert.Equal(HistogramInterval.Minute, refused.Interval);
        Assert.Equal(2, hours.Buckets.Count);
        Assert.Equal([T0.AddDays(30)], lastDay.Buckets.Select(b => b.Time));
    }

    [Fact]
    public async Task Error_summary_groups_errors_of_the_window_by_masked_pattern()
    {
        var from = T0;
        var to = T0.AddHours(1);
        await _harness.AppendAsync(
            Entry("timeout after 5012 ms", level: Level.Error, at: from),
            Entry("timeout after 733 ms", agent: "HERMES", level: Level.Critical, at: from.AddMinutes(1)),
            Entry("timeout after 733 ms", agent: "HERMES", level: Level.Error, at: from.AddMinutes(2)),
            Entry("disk /dev/sda1 full", agent: "ATLAS", level: Level.Fatal, at: from.AddMinutes(3)),
            Entry("timeout after 1 ms", level: Level.Warning, at: from.AddMinutes(4)),
            Entry("timeout after 2 ms", level: Level.Info, at: from.AddMinutes(4)),
            Entry("timeout after 3 ms", level: Level.Error, at: from.AddSeconds(-1)),
            Entry("timeout after 4 ms", level: Level.Error, at: to));
        _harness.Clock.Now = Day1.AddDays(1);
        await _harness.AppendAsync(Entry("timeout after 99 ms", level: Level.Error, at: from.AddMinutes(30)));

        var summary = await _harness.Store.ErrorSummaryAsync(from, to, top: 10);
        var topOne = await _harness.Store.ErrorSummaryAsync(from, to, top: 1);

        Assert.Equal(5, summary.TotalErrors);
        Assert.Equal(new Dictionary<string, long> { ["CERBERUS"] = 2, ["HERMES"] = 2, ["ATLAS"] = 1 }, summary.ByAgent);
        Assert.Equal(2, summary.TopErrors.Count);
        var timeout = summary.TopErrors[0];
        Assert.Equal("timeout after <num> ms", timeout.Pattern);
        Assert.Equal(4, timeout.Count);
        Assert.Equal(["CERBERUS", "HERMES"], timeout.Agents);
        Assert.Equal("timeout after 733 ms", timeout.Sample);
        var disk = summary.TopErrors[1];
        Assert.Equal(("disk /dev/sda1 full", 1L, "disk /dev/sda1 full"), (disk.Pattern, disk.Count, disk.Sample));
        Assert.Equal(["ATLAS"], disk.Agents);
        Assert.Equal("timeout after <num> ms", Assert.Single(topOne.TopErrors).Pattern);
    }

    [Fact]
    public async Task Error_summary_samples_the_message_seen_most_often_across_day_files()
    {
        await _harness.AppendAsync(
            Entry("retry 1 failed", level: Level.Error, at: T0),
            Entry("retry 2 failed", level: Level.Error, at: T0.AddMinutes(1)),
            Entry("retry 2 failed", agent: "HERMES", level: Level.Error, at: T0.AddMinutes(2)));
        _harness.Clock.Now = Day1.AddDays(1);
        await _harness.AppendAsync(
            Entry("retry 1 failed", agent: "ATLAS", level: Level.Error, at: T0.AddMinutes(3)),
            Entry("retry 1 failed", agent: "ATLAS", level: Level.Error, at: T0.AddMinutes(4)));

        var summary = await _harness.Store.ErrorSummaryAsync(T0, T0.AddHours(1), top: 10);

        var retry = Assert.Single(summary.TopErrors);
        Assert.Equal(("retry <num> failed", 5L, "retry 1 failed"), (retry.Pattern, retry.Count, retry.Sample));
        Assert.Equal(["ATLAS", "CERBERUS", "HERMES"], retry.Agents);
    }

    [Fact]
    public async Task A_later_summary_counts_rows_stored_since_and_drops_rows_that_left_the_window()
    {
        await _harness.AppendAsync(
            Entry("disk 1 full", agent: "ATLAS", level: Level.Error, at: T0),
            Entry("disk 2 full", level: Level.Error, at: T0.AddMinutes(30)));
        var first = await _harness.Store.ErrorSummaryAsync(T0, T0.AddHours(2), top: 10);
        await _harness.AppendAsync(
            Entry("disk 3 full", agent: "HERMES", level: Level.Critical, at: T0.AddHours(1)),
            Entry("disk 4 full", agent: "HERMES", level: Level.Error, at: T0.AddHours(3)));

        var later = await _harness.Store.ErrorSummaryAsync(T0.AddMinutes(10), T0.AddHours(2), top: 10);

        Assert.Equal(2, first.TotalErrors);
        Assert.Equal(2, later.TotalErrors);
        Assert.Equal(new Dictionary<string, long> { ["CERBERUS"] = 1, ["HERMES"] = 1 }, later.ByAgent);
        var disk = Assert.Single(later.TopErrors);
        Assert.Equal(("disk <num> full", 2L, "disk 2 full"), (disk.Pattern, disk.Count, disk.Sample));
        Assert.Equal(["CERBERUS", "HERMES"], disk.Agents);
    }

    [Fact]
    public async Task Error_summary_of_a_window_without_errors_is_empty()
    {
        await _harness.AppendAsync(Entry("fine"), Entry("boom", level: Level.Error, at: T0.AddDays(-2)));

        var summary = await _harness.Store.ErrorSummaryAsync(T0.AddHours(-24), T0.AddHours(1), 10);

        Assert.Equal(0, summary.TotalErrors);
        Assert.Empty(summary.ByAgent);
        Assert.Empty(summary.TopErrors);
    }

    private static List<string> Messages(IEnumerable<StoredEntry> entries) => entries.Select(e => e.Entry.Message).ToList();
}
