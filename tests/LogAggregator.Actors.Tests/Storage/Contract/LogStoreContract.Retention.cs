using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage.Contract;

public abstract partial class LogStoreContract
{
    [Fact]
    public async Task Retention_deletes_earlier_days_but_never_the_day_being_written()
    {
        var old = await AppendAsync(Entry("day one"));
        ArriveOnDay(1);
        await AppendAsync(Entry("day two"));

        var deleted = await Store.DeleteDaysBeforeAsync(FirstDay.AddDays(30));

        Assert.Equal([FirstDay], deleted);
        var stats = await Store.GetStatsAsync();
        Assert.Equal(1, stats.TotalLogs);
        Assert.Equal(FirstDay.AddDays(1), Assert.Single(stats.Days).Day);
        Assert.Null(await Store.GetAsync(old[0]));
        var later = (await AppendAsync(Entry("still writing"))).Single();
        Assert.Equal(["still writing", "day two"], Messages((await QueryAsync(LogFilter.None)).Entries));
        Assert.Equal("still writing", (await Store.GetAsync(later))?.Entry.Message);
    }

    [Fact]
    public async Task Retention_deletes_whole_days_by_arrival_whatever_the_entries_timestamps()
    {
        // An entry stamped long ago that arrives today stays; one stamped "now" that arrived on a deleted day goes.
        await AppendAsync(Entry("arrived day one", at: T0.AddDays(5)), Entry("also day one", agent: "HERMES", level: Level.Error));
        ArriveOnDay(1);
        await AppendAsync(Entry("arrived day two", at: T0.AddYears(-3)));
        ArriveOnDay(2);
        await AppendAsync(Entry("arrived day three"));

        var deleted = await Store.DeleteDaysBeforeAsync(FirstDay.AddDays(1));

        Assert.Equal([FirstDay], deleted);
        Assert.Equal(["arrived day three", "arrived day two"], Messages((await QueryAsync(LogFilter.None)).Entries));
        var stats = await Store.GetStatsAsync();
        Assert.Equal(2, stats.TotalLogs);
        Assert.Equal([FirstDay.AddDays(1), FirstDay.AddDays(2)], stats.Days.Select(d => d.Day));
        Assert.False(stats.ByAgent.ContainsKey("HERMES"));
        Assert.Equal(0, stats.ByLevel[Level.Error]);
        Assert.Equal(["CERBERUS"], await Store.GetAgentsAsync());
        Assert.Empty((await Store.HistogramAsync(new LogFilter(Level: Level.Error), HistogramInterval.Day)).Buckets);
        Assert.Equal(0, (await Store.ErrorSummaryAsync(T0.AddDays(-1), T0.AddDays(1), 10)).TotalErrors);
    }

    [Fact]
    public async Task Retention_with_nothing_older_deletes_nothing_and_a_deleted_day_is_not_deleted_twice()
    {
        await AppendAsync(Entry("day one"));
        ArriveOnDay(1);
        await AppendAsync(Entry("day two"));

        var none = await Store.DeleteDaysBeforeAsync(FirstDay);
        var first = await Store.DeleteDaysBeforeAsync(FirstDay.AddDays(1));
        var again = await Store.DeleteDaysBeforeAsync(FirstDay.AddDays(1));
        await Subject.ReopenAsync();

        Assert.Empty(none);
        Assert.Equal([FirstDay], first);
        Assert.Empty(again);
        Assert.Equal(["day two"], Messages((await QueryAsync(LogFilter.None)).Entries));
    }

    [Fact]
    public async Task Marks_of_kept_days_survive_retention()
    {
        await Store.AppendAsync([Entry("old")], [new SourceMark("s", "CERBERUS", "inode-1", 10)]);
        ArriveOnDay(1);
        await Store.AppendAsync([Entry("new")], [new SourceMark("s", "CERBERUS", "inode-1", 20)]);

        await Store.DeleteDaysBeforeAsync(FirstDay.AddDays(1));

        Assert.Equal([new SourceMark("s", "CERBERUS", "inode-1", 20)], await Store.GetMarksAsync("s"));
    }
}
