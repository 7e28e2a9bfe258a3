using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage.Contract;

public abstract partial class LogStoreContract
{
    private static readonly DateTime FirstStorable = DateTime.MinValue;
    private static readonly DateTime LastStorable = new(DateTime.MaxValue.Ticks - DateTime.MaxValue.Ticks % 10, DateTimeKind.Utc);

    [Fact]
    public async Task Entries_dated_at_both_ends_of_the_calendar_are_stored_and_queryable()
    {
        var ids = await AppendAsync(
            Entry("first", at: FirstStorable, level: Level.Error),
            Entry("last", at: DateTime.MaxValue, level: Level.Error),
            Entry("now", at: T0, level: Level.Error),
            Entry("other agent", agent: "HERMES", at: T0));
        await Subject.SettleAsync();

        var everything = new[] { "last", "now", "first" };
        Assert.Equal(everything, Messages((await Store.QueryAsync(new LogFilter(AgentKey: "CERBERUS"), new Paging(10, 0))).Entries));
        Assert.Equal(everything, Messages((await Store.QueryAsync(new LogFilter(Level: Level.Error), new Paging(10, 0))).Entries));
        Assert.Equal(["first"], Messages((await Store.QueryAsync(new LogFilter(AgentKey: "CERBERUS"), new Paging(1, 2))).Entries));
        Assert.Empty((await Store.QueryAsync(new LogFilter(AgentKey: "CERBERUS"), new Paging(10, int.MaxValue))).Entries);
        var bounded = await Store.QueryAsync(new LogFilter(AgentKey: "CERBERUS", From: DateTime.MinValue, To: DateTime.MaxValue), new Paging(10, 0));
        Assert.Equal(everything, Messages(bounded.Entries));
        Assert.Equal(3, bounded.Total);
        Assert.Equal(LastStorable, bounded.Entries[0].Entry.Timestamp);
        Assert.Empty((await Store.QueryAsync(new LogFilter(To: DateTime.MinValue), new Paging(10, 0))).Entries);
        Assert.Equal(everything, Messages(await Store.SearchAsync(SearchPattern.Parse("first|last|now"), new LogFilter(AgentKey: "CERBERUS"), new Paging(10, 0))));
        Assert.Equal(3, (await Store.ErrorSummaryAsync(DateTime.MinValue, DateTime.MaxValue, 10)).TotalErrors);
        Assert.Equal(["now", "last"], Messages((await Store.GetContextAsync(ids[0], 0, 5))!.After));
        foreach (var interval in Enum.GetValues<HistogramInterval>())
        {
            var around = await Store.HistogramAsync(new LogFilter(From: T0.AddDays(-1), To: T0.AddDays(1)), interval);
            Assert.Equal(2, Assert.Single(around.Buckets).Count);
        }

        var newest = await Store.HistogramAsync(new LogFilter(From: LastStorable.AddDays(-1)), HistogramInterval.Minute);
        Assert.Equal(new DateTime(9999, 12, 31, 23, 59, 0, DateTimeKind.Utc), Assert.Single(newest.Buckets).Time);
        var oldest = await Store.HistogramAsync(new LogFilter(To: FirstStorable.AddDays(1)), HistogramInterval.Day);
        Assert.Equal(FirstStorable, Assert.Single(oldest.Buckets).Time);
    }

    [Fact]
    public async Task The_default_histogram_covers_the_newest_buckets_when_old_entries_exist()
    {
        await AppendAsync(Entry("ancient", at: new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc)), Entry("recent", at: T0), Entry("latest", at: T0.AddMinutes(5)));

        var byMinute = await Store.HistogramAsync(LogFilter.None, HistogramInterval.Minute);
        var byMinuteUntil = await Store.HistogramAsync(new LogFilter(To: T0.AddMinutes(1)), HistogramInterval.Minute);

        Assert.Equal([T0, T0.AddMinutes(5)], byMinute.Buckets.Select(b => b.Time));
        Assert.Equal([T0], byMinuteUntil.Buckets.Select(b => b.Time));
        Assert.Equal(3, (await Store.HistogramAsync(LogFilter.None, HistogramInterval.Day)).Buckets.Sum(b => b.Count));
        await Assert.ThrowsAsync<HistogramTooWideException>(() =>
            Store.HistogramAsync(new LogFilter(From: new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc)), HistogramInterval.Minute));
    }

    [Fact]
    public async Task Timestamps_are_kept_to_the_microsecond_and_filters_agree_with_what_is_kept()
    {
        await AppendAsync(Entry("seven digits", at: T0.AddTicks(17)));

        var stored = Assert.Single((await Store.QueryAsync(LogFilter.None, new Paging(10, 0))).Entries);
        Assert.Equal(T0.AddTicks(10), stored.Entry.Timestamp);
        Assert.Equal(1, (await Store.QueryAsync(new LogFilter(From: T0.AddTicks(10), To: T0.AddTicks(11)), new Paging(10, 0))).Total);
        Assert.Empty((await Store.QueryAsync(new LogFilter(From: T0.AddTicks(11)), new Paging(10, 0))).Entries);
        Assert.Empty((await Store.QueryAsync(new LogFilter(To: T0.AddTicks(10)), new Paging(10, 0))).Entries);
        Assert.Equal(0, (await Store.QueryAsync(new LogFilter(From: T0.AddTicks(11), To: T0.AddDays(1)), new Paging(10, 0))).Total);
    }
}
