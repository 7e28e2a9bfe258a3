using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage.Contract;

public abstract partial class LogStoreContract
{
    [Fact]
    public async Task Histogram_buckets_by_minute_hour_and_day_split_by_level_oldest_first()
    {
        await AppendAsync(
            Entry("a", at: T0.AddSeconds(10)), Entry("b", level: Level.Error, at: T0.AddSeconds(50)),
            Entry("c", agent: "HERMES", at: T0.AddSeconds(65)), Entry("d", level: Level.Warning, at: T0.AddMinutes(90)));
        ArriveOnDay(1);
        // A late arrival on the next day still lands in its own hour's bucket, summed with the first day's.
        await AppendAsync(Entry("late", at: T0.AddMinutes(95)), Entry("e", level: Level.Error, at: T0.AddHours(23)));

        var minutes = await Store.HistogramAsync(LogFilter.None, HistogramInterval.Minute);
        var hours = await Store.HistogramAsync(LogFilter.None, HistogramInterval.Hour);
        var days = await Store.HistogramAsync(LogFilter.None, HistogramInterval.Day);

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
        await AppendAsync(
            Entry("a", level: Level.Error, at: T0.AddSeconds(10)), Entry("b", level: Level.Error, at: T0.AddSeconds(40)),
            Entry("c", agent: "HERMES", level: Level.Error, at: T0.AddMinutes(1)), Entry("d", at: T0.AddMinutes(2)),
            Entry("e", level: Level.Error, at: T0.AddMinutes(3)));

        var cerberusErrors = await Store.HistogramAsync(new LogFilter("CERBERUS", Level.Error), HistogramInterval.Minute);
        var window = await Store.HistogramAsync(new LogFilter(From: T0.AddSeconds(40), To: T0.AddMinutes(3)), HistogramInterval.Minute);

        Assert.Equal([(T0, 2L), (T0.AddMinutes(3), 1L)], cerberusErrors.Buckets.Select(b => (b.Time, b.Count)));
        Assert.Equal([(T0, 1L), (T0.AddMinutes(1), 1L), (T0.AddMinutes(2), 1L)], window.Buckets.Select(b => (b.Time, b.Count)));
        Assert.Empty((await Store.HistogramAsync(new LogFilter(AgentKey: "NOBODY"), HistogramInterval.Hour)).Buckets);
    }

    [Fact]
    public async Task Histograms_of_past_days_answer_each_filter_and_today_keeps_counting()
    {
        await AppendAsync(Entry("a", at: T0), Entry("b", agent: "HERMES", level: Level.Error, at: T0));
        ArriveOnDay(1);
        await AppendAsync(Entry("c", at: T0.AddDays(1)));
        // Reopened on day 2: the next append to today must still be counted.
        await Subject.ReopenAsync();

        var all = await Store.HistogramAsync(LogFilter.None, HistogramInterval.Day);
        var hermes = await Store.HistogramAsync(new LogFilter(AgentKey: "HERMES"), HistogramInterval.Day);
        await AppendAsync(Entry("d", at: T0.AddDays(1)));
        var after = await Store.HistogramAsync(LogFilter.None, HistogramInterval.Day);

        var day1 = T0.Date;
        Assert.Equal([(day1, 2L), (day1.AddDays(1), 1L)], all.Buckets.Select(b => (b.Time, b.Count)));
        Assert.Equal([(day1, 1L)], hermes.Buckets.Select(b => (b.Time, b.Count)));
        Assert.Equal([(day1, 2L), (day1.AddDays(1), 2L)], after.Buckets.Select(b => (b.Time, b.Count)));
    }

    [Fact]
    public async Task Histogram_refuses_a_range_needing_too_many_buckets_unless_a_filter_narrows_it()
    {
        await AppendAsync(Entry("old", at: T0), Entry("new", at: T0.AddDays(30)));

        var refused = await Assert.ThrowsAsync<HistogramTooWideException>(() => Store.HistogramAsync(new LogFilter(From: T0), HistogramInterval.Minute));
        var hours = await Store.HistogramAsync(LogFilter.None, HistogramInterval.Hour);
        var lastDay = await Store.HistogramAsync(new LogFilter(From: T0.AddDays(29)), HistogramInterval.Minute);

        Assert.Equal(HistogramInterval.Minute, refused.Interval);
        Assert.Equal(2, hours.Buckets.Count);
        Assert.Equal([T0.AddDays(30)], lastDay.Buckets.Select(b => b.Time));
    }

    [Fact]
    public async Task Histogram_of_an_empty_store_has_no_buckets()
    {
        Assert.Empty((await Store.HistogramAsync(LogFilter.None, HistogramInterval.Minute)).Buckets);
    }
}
