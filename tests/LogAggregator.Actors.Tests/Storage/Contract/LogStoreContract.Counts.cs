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

    [Fact]
    public async Task Counts_under_time_bounds_are_exact_over_thousands_of_interleaved_arrivals()
    {
        // Batches of one agent each, their times overlapping the next ones', with stragglers from the day before and
        // from the future: blocks of arrival lie wholly inside a range, wholly outside, or straddle its bounds.
        string[] agents = ["ATLAS", "HERMES", "Atlas", "iris"];
        var arrived = new List<LogEntry>();
        for (var batch = 0; batch < 40; batch++)
        {
            var agent = agents[batch % agents.Length];
            var entries = Enumerable.Range(0, 1500).Select(i => Entry(
                $"{batch} {i}", agent, Levels.All[(i + batch) % Levels.All.Count],
                i == 7 && batch is 5 or 30 ? T0.AddDays(batch == 5 ? -1 : 1) : T0.AddMinutes(batch * 9).AddSeconds(i * 0.4))).ToList();
            await Store.AppendAsync(entries, []);
            arrived.AddRange(entries);
        }

        LogFilter[] filters =
        [
            new(From: T0.AddHours(1), To: T0.AddHours(5)),
            new(From: T0.AddMinutes(93).AddSeconds(17)),
            new(To: T0.AddMinutes(211).AddMilliseconds(300)),
            new(AgentKey: "ATLAS", From: T0.AddHours(2), To: T0.AddHours(6)),
            new(Level: Level.Error, From: T0.AddHours(-2), To: T0.AddHours(3)),
            new(Levels: [Level.Warning, Level.Fatal], From: T0.AddMinutes(1), To: T0.AddDays(2)),
            new(From: T0.AddDays(1), To: T0.AddDays(1).AddTicks(10)),
        ];
        await AssertCountsAsync(arrived, filters);

        // More rows into the newest block, then a restart, which rebuilds the blocks from the file.
        var later = Enumerable.Range(0, 3000).Select(i => Entry($"later {i}", "HERMES", Level.Error, T0.AddHours(3).AddSeconds(i))).ToList();
        await Store.AppendAsync(later, []);
        arrived.AddRange(later);
        await AssertCountsAsync(arrived, filters);
        await Subject.ReopenAsync();
        await AssertCountsAsync(arrived, filters);
    }

    /// <summary>Counts and page totals equal the arrived entries counted here, for each filter.</summary>
    private async Task AssertCountsAsync(List<LogEntry> arrived, LogFilter[] filters)
    {
        foreach (var filter in filters)
        {
            var expected = arrived
                .Where(e => (filter.AgentKey is null || e.AgentKey == filter.AgentKey) && filter.MatchesLevel(e.Level)
                    && (filter.From is null || e.Timestamp >= filter.From) && (filter.To is null || e.Timestamp < filter.To))
                .GroupBy(e => (e.Agent, e.Level))
                .Select(g => (g.Key.Agent, g.Key.Level, (long)g.Count()))
                .OrderBy(c => c.Agent, StringComparer.Ordinal).ThenBy(c => c.Level)
                .ToArray();

            Assert.Equal(expected, Sorted(await Store.CountAsync(filter)));
            Assert.Equal(expected.Sum(c => c.Item3), (await QueryAsync(filter, limit: 1)).Total);
        }
    }

    private static (string Agent, Level Level, long Count)[] Sorted(IReadOnlyList<AgentLevelCount> counts) =>
        counts.Select(c => (c.Agent, c.Level, c.Count)).OrderBy(c => c.Agent, StringComparer.Ordinal).ThenBy(c => c.Level).ToArray();
}
