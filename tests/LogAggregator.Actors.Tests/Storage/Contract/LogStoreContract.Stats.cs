using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage.Contract;

public abstract partial class LogStoreContract
{
    [Fact]
    public async Task Stats_counters_survive_a_restart()
    {
        await AppendAsync(
            Entry("a", agent: "ATLAS", level: Level.Error),
            Entry("b", agent: "ATLAS", level: Level.Info),
            Entry("c", agent: "hermes", level: Level.Info));
        var before = await Store.GetStatsAsync();
        await Subject.ReopenAsync();

        var after = await Store.GetStatsAsync();

        Assert.Equal(3, after.TotalLogs);
        Assert.Equal(2, after.ByLevel[Level.Info]);
        Assert.Equal(1, after.ByLevel[Level.Error]);
        Assert.Equal(0, after.ByLevel[Level.Fatal]);
        Assert.Equal(2, after.ByAgent["ATLAS"]);
        Assert.Equal(1, after.ByAgent["hermes"]);
        var day = Assert.Single(after.Days);
        Assert.Equal(FirstDay, day.Day);
        Assert.Equal(3, day.Count);
        Assert.True(day.SizeBytes > 0);
        Assert.Equal(before.ByAgent, after.ByAgent);
        Assert.Equal(before.ByLevel, after.ByLevel);
    }

    [Fact]
    public async Task Stats_count_every_level_every_agent_and_every_arrival_day_oldest_first()
    {
        await AppendAsync(Entry("a", level: Level.Debug), Entry("b", agent: "HERMES", level: Level.Warning));
        ArriveOnDay(1);
        await AppendAsync(Entry("c", level: Level.Critical), Entry("d", level: Level.Fatal), Entry("e", agent: "Hermes", level: Level.Error));
        ArriveOnDay(3);
        await AppendAsync(Entry("f", agent: "ATLAS"));

        var stats = await Store.GetStatsAsync();

        Assert.Equal(6, stats.TotalLogs);
        Assert.Equal(
            new Dictionary<Level, long>
            {
                [Level.Debug] = 1, [Level.Info] = 1, [Level.Warning] = 1, [Level.Error] = 1, [Level.Critical] = 1, [Level.Fatal] = 1,
            },
            stats.ByLevel);
        Assert.Equal(new Dictionary<string, long> { ["CERBERUS"] = 3, ["HERMES"] = 1, ["Hermes"] = 1, ["ATLAS"] = 1 }, stats.ByAgent);
        Assert.Equal([(FirstDay, 2L), (FirstDay.AddDays(1), 3L), (FirstDay.AddDays(3), 1L)], stats.Days.Select(d => (d.Day, d.Count)));
        Assert.Equal(stats.TotalLogs, stats.Days.Sum(d => d.Count));
    }

    [Fact]
    public async Task An_empty_store_has_no_entries_no_agents_and_no_days()
    {
        var stats = await Store.GetStatsAsync();

        Assert.Equal(0, stats.TotalLogs);
        Assert.All(stats.ByLevel.Values, count => Assert.Equal(0, count));
        Assert.Empty(stats.ByAgent);
        Assert.Empty(stats.Days);
        Assert.Empty(await Store.GetAgentsAsync());
    }

    [Fact]
    public async Task Agents_are_listed_as_sent_in_ordinal_order()
    {
        await AppendAsync(Entry("x", agent: "hermes"), Entry("y", agent: "ATLAS"), Entry("z", agent: "Cerberus"), Entry("w", agent: "ATLAS"));

        Assert.Equal(["ATLAS", "Cerberus", "hermes"], await Store.GetAgentsAsync());
    }

    [Fact]
    public async Task Agents_of_every_day_are_listed_once_in_ordinal_order_after_a_restart()
    {
        // Ordinal, not culture order: "Zeta" < "alpha" and "_x" sorts between upper and lower case.
        await AppendAsync(Entry("x", agent: "alpha"), Entry("y", agent: "Zeta"));
        ArriveOnDay(1);
        await AppendAsync(Entry("z", agent: "_x"), Entry("w", agent: "alpha"));
        await Subject.ReopenAsync();

        Assert.Equal(["Zeta", "_x", "alpha"], await Store.GetAgentsAsync());
    }
}
