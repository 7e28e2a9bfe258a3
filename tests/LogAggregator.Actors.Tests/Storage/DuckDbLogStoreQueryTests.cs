using LogAggregator.Model;
using LogAggregator.Storage;
using static LogAggregator.Tests.Storage.StoreHarness;

namespace LogAggregator.Tests.Storage;

public sealed class DuckDbLogStoreQueryTests : IAsyncLifetime
{
    private static readonly DateTime T0 = Day1.UtcDateTime;
    private readonly StoreHarness _harness = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Query_returns_newest_first_with_the_total_that_match()
    {
        await _harness.AppendAsync(
            Entry("first", at: T0),
            Entry("third", at: T0.AddSeconds(2)),
            Entry("second", at: T0.AddSeconds(1)),
            Entry("same time as third, stored later", at: T0.AddSeconds(2)));

        var page = await _harness.Store.QueryAsync(LogFilter.None, new Paging(10, 0));

        Assert.Equal(4, page.Total);
        Assert.Equal(
            ["same time as third, stored later", "third", "second", "first"],
            page.Entries.Select(e => e.Entry.Message));
    }

    [Fact]
    public async Task Query_filters_by_agent_key_and_level()
    {
        await _harness.AppendAsync(
            Entry("a", agent: "Cerberus", level: Level.Error),
            Entry("b", agent: "CERBERUS", level: Level.Info),
            Entry("c", agent: "hermes", level: Level.Error));

        var cerberus = await _harness.Store.QueryAsync(new LogFilter(AgentKey: "CERBERUS"), new Paging(10, 0));
        var errors = await _harness.Store.QueryAsync(new LogFilter(Level: Level.Error), new Paging(10, 0));
        var both = await _harness.Store.QueryAsync(new LogFilter("CERBERUS", Level.Error), new Paging(10, 0));

        Assert.Equal(["a", "b"], cerberus.Entries.Select(e => e.Entry.Message).Order());
        Assert.Equal(2, cerberus.Total);
        Assert.Equal(["a", "c"], errors.Entries.Select(e => e.Entry.Message).Order());
        Assert.Equal("a", Assert.Single(both.Entries).Entry.Message);
        Assert.Equal(1, both.Total);
    }

    [Fact]
    public async Task Agent_names_are_matched_exactly_never_as_patterns()
    {
        await _harness.AppendAsync(Entry("x", agent: "A'B"), Entry("y", agent: "A%"), Entry("z", agent: "AB"));

        var page = await _harness.Store.QueryAsync(new LogFilter(AgentKey: "A%"), new Paging(10, 0));

        Assert.Equal("y", Assert.Single(page.Entries).Entry.Message);
        Assert.Equal("x", Assert.Single((await _harness.Store.QueryAsync(new LogFilter(AgentKey: "A'B"), new Paging(10, 0))).Entries).Entry.Message);
    }

    [Fact]
    public async Task Time_range_includes_its_start_and_excludes_its_end()
    {
        await _harness.AppendAsync(
            Entry("before", at: T0.AddSeconds(-1)),
            Entry("at start", at: T0),
            Entry("inside", at: T0.AddSeconds(5)),
            Entry("at end", at: T0.AddSeconds(10)));

        var page = await _harness.Store.QueryAsync(new LogFilter(From: T0, To: T0.AddSeconds(10)), new Paging(10, 0));

        Assert.Equal(["inside", "at start"], page.Entries.Select(e => e.Entry.Message));
        Assert.Equal(2, page.Total);
    }

    [Fact]
    public async Task Limit_and_offset_page_through_the_matches()
    {
        await _harness.AppendAsync(Enumerable.Range(0, 10).Select(i => Entry("m" + i, at: T0.AddSeconds(i))).ToArray());

        var page = await _harness.Store.QueryAsync(LogFilter.None, new Paging(3, 2));

        Assert.Equal(["m7", "m6", "m5"], page.Entries.Select(e => e.Entry.Message));
        Assert.Equal(10, page.Total);
    }

    [Fact]
    public async Task Entries_come_back_as_they_were_sent()
    {
        var sent = new LogEntry(T0.AddMilliseconds(123), Level.Critical, "Atlas", "disk full", "api", """{"disk":"/dev/sda1"}""");
        var id = (await _harness.AppendAsync(sent)).Single();

        var stored = await _harness.Store.GetAsync(id);

        Assert.Equal(sent, stored?.Entry);
        Assert.Equal(DateTimeKind.Utc, stored!.Entry.Timestamp.Kind);
    }

    [Fact]
    public async Task Ids_name_the_arrival_day_and_still_find_entries_after_a_restart()
    {
        var ids = await _harness.AppendAsync(Entry("one"), Entry("two"));
        await _harness.ReopenAsync();

        Assert.Equal(["20261123-1", "20261123-2"], ids);
        Assert.Equal("two", (await _harness.Store.GetAsync(ids[1]))?.Entry.Message);
        Assert.Equal(ids[1], (await _harness.Store.QueryAsync(LogFilter.None, new Paging(1, 0))).Entries[0].Id);
        Assert.Null(await _harness.Store.GetAsync("20261123-99"));
        Assert.Null(await _harness.Store.GetAsync("20200101-1"));
        Assert.Null(await _harness.Store.GetAsync("not-an-id"));
    }

    [Fact]
    public async Task A_restarted_store_continues_the_sequence()
    {
        await _harness.AppendAsync(Entry("one"), Entry("two"));
        await _harness.ReopenAsync();

        var ids = await _harness.AppendAsync(Entry("three"));

        Assert.Equal(["20261123-3"], ids);
    }

    [Fact]
    public async Task Agents_are_listed_as_sent_in_ordinal_order()
    {
        await _harness.AppendAsync(Entry("x", agent: "hermes"), Entry("y", agent: "ATLAS"), Entry("z", agent: "Cerberus"), Entry("w", agent: "ATLAS"));

        Assert.Equal(["ATLAS", "Cerberus", "hermes"], await _harness.Store.GetAgentsAsync());
    }

    [Fact]
    public async Task Stats_counters_survive_a_restart()
    {
        await _harness.AppendAsync(
            Entry("a", agent: "ATLAS", level: Level.Error),
            Entry("b", agent: "ATLAS", level: Level.Info),
            Entry("c", agent: "hermes", level: Level.Info));
        var before = await _harness.Store.GetStatsAsync();
        await _harness.ReopenAsync();

        var after = await _harness.Store.GetStatsAsync();

        Assert.Equal(3, after.TotalLogs);
        Assert.Equal(2, after.ByLevel[Level.Info]);
        Assert.Equal(1, after.ByLevel[Level.Error]);
        Assert.Equal(0, after.ByLevel[Level.Fatal]);
        Assert.Equal(2, after.ByAgent["ATLAS"]);
        Assert.Equal(1, after.ByAgent["hermes"]);
        var file = Assert.Single(after.Files);
        Assert.Equal("2026-11-23.duckdb", file.Name);
        Assert.Equal(3, file.Count);
        Assert.True(file.SizeBytes > 0);
        Assert.Equal(before.ByAgent, after.ByAgent);
        Assert.Equal(before.ByLevel, after.ByLevel);
    }
}
