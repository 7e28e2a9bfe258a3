using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage.Contract;

public abstract partial class LogStoreContract
{
    [Fact]
    public async Task Query_filters_by_agent_key_and_level()
    {
        await AppendAsync(
            Entry("a", agent: "Cerberus", level: Level.Error),
            Entry("b", agent: "CERBERUS", level: Level.Info),
            Entry("c", agent: "hermes", level: Level.Error));

        var cerberus = await QueryAsync(new LogFilter(AgentKey: "CERBERUS"));
        var errors = await QueryAsync(new LogFilter(Level: Level.Error));
        var both = await QueryAsync(new LogFilter("CERBERUS", Level.Error));

        Assert.Equal(["a", "b"], Messages(cerberus.Entries).Order());
        Assert.Equal(2, cerberus.Total);
        Assert.Equal(["a", "c"], Messages(errors.Entries).Order());
        Assert.Equal("a", Assert.Single(both.Entries).Entry.Message);
        Assert.Equal(1, both.Total);
    }

    [Fact]
    public async Task Agent_names_are_matched_exactly_never_as_patterns()
    {
        await AppendAsync(Entry("x", agent: "A'B"), Entry("y", agent: "A%"), Entry("z", agent: "AB"));

        var page = await QueryAsync(new LogFilter(AgentKey: "A%"));

        Assert.Equal("y", Assert.Single(page.Entries).Entry.Message);
        Assert.Equal("x", Assert.Single((await QueryAsync(new LogFilter(AgentKey: "A'B"))).Entries).Entry.Message);
    }

    [Fact]
    public async Task Time_range_includes_its_start_and_excludes_its_end()
    {
        await AppendAsync(
            Entry("before", at: T0.AddSeconds(-1)),
            Entry("at start", at: T0),
            Entry("inside", at: T0.AddSeconds(5)),
            Entry("at end", at: T0.AddSeconds(10)));

        var page = await QueryAsync(new LogFilter(From: T0, To: T0.AddSeconds(10)));

        Assert.Equal(["inside", "at start"], Messages(page.Entries));
        Assert.Equal(2, page.Total);
    }

    [Fact]
    public async Task A_time_range_leaves_out_entries_of_other_days()
    {
        await AppendAsync(Entry("old", at: T0.AddHours(-5)));
        ArriveOnDay(1);
        await AppendAsync(Entry("new", at: T0.AddDays(1)));

        var page = await QueryAsync(new LogFilter(From: T0));

        Assert.Equal("new", Assert.Single(page.Entries).Entry.Message);
        Assert.Equal(1, page.Total);
    }

    [Fact]
    public async Task Agent_level_and_time_filters_combine_across_days()
    {
        await AppendAsync(
            Entry("match 1", level: Level.Error, at: T0.AddMinutes(1)),
            Entry("wrong level", at: T0.AddMinutes(2)),
            Entry("wrong agent", agent: "HERMES", level: Level.Error, at: T0.AddMinutes(3)),
            Entry("too early", level: Level.Error, at: T0.AddMinutes(-1)));
        ArriveOnDay(1);
        await AppendAsync(Entry("match 2", level: Level.Error, at: T0.AddMinutes(4)), Entry("too late", level: Level.Error, at: T0.AddHours(2)));

        var page = await QueryAsync(new LogFilter("CERBERUS", Level.Error, T0, T0.AddHours(1)));

        Assert.Equal(["match 2", "match 1"], Messages(page.Entries));
        Assert.Equal(2, page.Total);
    }

    [Fact]
    public async Task A_filter_nothing_matches_gives_an_empty_page_and_a_zero_total()
    {
        await AppendAsync(Entry("a"));

        var page = await QueryAsync(new LogFilter(AgentKey: "NOBODY"));

        Assert.Empty(page.Entries);
        Assert.Equal(0, page.Total);
    }
}
