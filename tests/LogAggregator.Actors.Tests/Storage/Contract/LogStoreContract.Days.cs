using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage.Contract;

public abstract partial class LogStoreContract
{
    [Fact]
    public async Task Crossing_midnight_utc_starts_a_new_arrival_day_whatever_the_entries_timestamps()
    {
        var first = await AppendAsync(Entry("day one"));
        Clock.Now = new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);
        await AppendAsync(Entry("day two", at: T0));

        var stats = await Store.GetStatsAsync();

        Assert.Equal([(FirstDay, 1L), (FirstDay.AddDays(1), 1L)], stats.Days.Select(d => (d.Day, d.Count)));
        Assert.Equal(2, (await QueryAsync(LogFilter.None)).Total);
        Assert.Equal("day one", (await Store.GetAsync(first[0]))?.Entry.Message);
    }

    [Fact]
    public async Task A_restarted_store_sees_every_day()
    {
        await AppendAsync(Entry("day one"));
        ArriveOnDay(1);
        await AppendAsync(Entry("day two"));
        await Subject.ReopenAsync();

        var stats = await Store.GetStatsAsync();

        Assert.Equal(2, stats.TotalLogs);
        Assert.Equal(2, stats.Days.Count);
        Assert.Equal(["day two", "day one"], Messages((await QueryAsync(LogFilter.None)).Entries));
    }

    [Fact]
    public async Task A_store_reopened_on_a_later_day_keeps_appending_to_that_day()
    {
        await AppendAsync(Entry("day one"));
        await Subject.ReopenAsync();
        ArriveOnDay(2);

        var id = (await AppendAsync(Entry("day three"))).Single();

        Assert.Equal([(FirstDay, 1L), (FirstDay.AddDays(2), 1L)], (await Store.GetStatsAsync()).Days.Select(d => (d.Day, d.Count)));
        Assert.Equal("day three", (await Store.GetAsync(id))?.Entry.Message);
    }
}
