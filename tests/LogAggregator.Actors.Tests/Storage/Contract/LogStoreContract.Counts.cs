using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage.Contract;

public abstract partial class LogStoreContract
{
    [Fact]
    public async Task Counts_split_the_entries_of_a_time_range_by_agent_as_sent_and_level()
    {
        await AppendAsync(
            Entry("before", agent: "ATLAS", at: T0.AddMinutes(-1)),
            Entry("a", agent: "ATLAS", level: Level.Error, at: T0),
            Entry("b", agent: "Atlas", level: Level.Error, at: T0.AddMinutes(10)),
            Entry("c", agent: "HERMES", at: T0.AddMinutes(20)));
        ArriveOnDay(1);
        // A whole later day inside the range, and one entry at the range's (exclusive) end.
        await AppendAsync(
            Entry("d", agent: "ATLAS", level: Level.Error, at: T0.AddMinutes(30)),
            Entry("e", agent: "ATLAS", level: Level.Fatal, at: T0.AddMinutes(40)));
        ArriveOnDay(2);
        await AppendAsync(Entry("end", agent: "HERMES", level: Level.Error, at: T0.AddHours(1)));

        var counts = await Store.CountAsync(new LogFilter(From: T0, To: T0.AddHours(1)));

        Assert.Equal(
            [("ATLAS", Level.Error, 2L), ("ATLAS", Level.Fatal, 1L), ("Atlas", Level.Error, 1L), ("HERMES", Level.Info, 1L)],
            Sorted(counts));
    }

    [Fact]
    public async Task Counts_honour_the_agent_and_level_filters_and_count_everything_without_bounds()
    {
        await AppendAsync(
            Entry("a", agent: "ATLAS", level: Level.Error, at: T0),
            Entry("b", agent: "Atlas", level: Level.Info, at: T0.AddMinutes(1)),
            Entry("c", agent: "HERMES", level: Level.Error, at: T0.AddMinutes(2)));
        ArriveOnDay(1);
        await AppendAsync(Entry("d", agent: "atlas", level: Level.Error, at: T0.AddDays(-30)));

        var atlas = await Store.CountAsync(new LogFilter(AgentKey: "ATLAS"));
        var errors = await Store.CountAsync(new LogFilter(Level: Level.Error, From: T0.AddMinutes(1)));
        var all = await Store.CountAsync(LogFilter.None);

        Assert.Equal([("ATLAS", Level.Error, 1L), ("Atlas", Level.Info, 1L), ("atlas", Level.Error, 1L)], Sorted(atlas));
        Assert.Equal([("HERMES", Level.Error, 1L)], Sorted(errors));
        Assert.Equal(4, all.Sum(c => c.Count));
        Assert.Empty(await Store.CountAsync(new LogFilter(From: T0.AddYears(1))));
    }

    [Fact]
    public async Task Counts_survive_a_restart()
    {
        await AppendAsync(Entry("a", agent: "ATLAS", at: T0), Entry("b", agent: "ATLAS", at: T0.AddMinutes(5)));
        await Subject.ReopenAsync();

        Assert.Equal([("ATLAS", Level.Info, 1L)], Sorted(await Store.CountAsync(new LogFilter(From: T0.AddMinutes(1)))));
        Assert.Equal([("ATLAS", Level.Info, 2L)], Sorted(await Store.CountAsync(LogFilter.None)));
    }

    private static (string Agent, Level Level, long Count)[] Sorted(IReadOnlyList<AgentLevelCount> counts) =>
        counts.Select(c => (c.Agent, c.Level, c.Count)).OrderBy(c => c.Agent, StringComparer.Ordinal).ThenBy(c => c.Level).ToArray();
}
