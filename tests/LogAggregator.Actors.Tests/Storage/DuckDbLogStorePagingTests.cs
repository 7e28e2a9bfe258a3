using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Storage.DuckDb;
using static LogAggregator.Tests.Storage.StoreHarness;

namespace LogAggregator.Tests.Storage;

/// <summary>Pages read through a time window sized from the counters must equal pages read without one.</summary>
public sealed class DuckDbLogStorePagingTests : IAsyncLifetime
{
    private static readonly DateTime T0 = Day1.UtcDateTime;
    private readonly StoreHarness _harness = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task A_page_is_whole_when_the_newest_matches_are_far_sparser_than_the_average()
    {
        // 300 matches in the first minute, one ten hours later: a window sized for even spread holds only that one.
        var entries = Enumerable.Range(0, 300).Select(i => Entry($"early {i:000}", level: Level.Error, at: T0.AddMilliseconds(i * 100))).ToList();
        entries.Add(Entry("late", level: Level.Error, at: T0.AddHours(10)));
        entries.Add(Entry("late info", at: T0.AddHours(10)));
        await _harness.Store.AppendAsync(entries, []);

        var page = await _harness.Store.QueryAsync(new LogFilter(Level: Level.Error), new Paging(100, 0));

        Assert.Equal(301, page.Total);
        Assert.Equal(100, page.Entries.Count);
        Assert.Equal("late", page.Entries[0].Entry.Message);
        Assert.Equal("early 299", page.Entries[1].Entry.Message);
        Assert.Equal("early 201", page.Entries[99].Entry.Message);
    }

    [Fact]
    public async Task A_deep_page_of_a_time_range_equals_the_same_rows_counted_from_the_newest()
    {
        var entries = Enumerable.Range(0, 5000).Select(i => Entry($"m{i:0000}", at: T0.AddSeconds(i))).ToList();
        await _harness.Store.AppendAsync(entries, []);
        var from = T0.AddSeconds(1000);
        var to = T0.AddSeconds(4000);

        var page = await _harness.Store.QueryAsync(new LogFilter(From: from, To: to), new Paging(10, 500));

        Assert.Equal(3000, page.Total);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"m{3499 - i:0000}"), page.Entries.Select(e => e.Entry.Message));
    }

    [Fact]
    public async Task Pages_across_day_files_are_the_newest_of_all_files_merged()
    {
        await _harness.Store.AppendAsync(Enumerable.Range(0, 1000).Select(i => Entry($"d1 {i:000}", at: T0.AddSeconds(i))).ToList(), []);
        _harness.Clock.Now = Day1.AddDays(1);
        // Late arrivals: stored on day 2 but stamped among day 1's newest.
        await _harness.Store.AppendAsync(Enumerable.Range(0, 3).Select(i => Entry($"d2 {i}", at: T0.AddSeconds(997.5 + i))).ToList(), []);

        var page = await _harness.Store.QueryAsync(LogFilter.None, new Paging(5, 0));

        Assert.Equal(["d2 2", "d1 999", "d2 1", "d1 998", "d2 0"], page.Entries.Select(e => e.Entry.Message));
    }

    [Fact]
    public void The_window_starts_inside_a_file_only_when_it_leaves_rows_out()
    {
        var counters = new DayCounters();
        counters.Add("A", Level.Info, 1_000_000, T0, T0.AddHours(24));

        var narrow = TimeWindow.Cut(counters, LogFilter.None, 100);
        var everything = TimeWindow.Cut(counters, LogFilter.None, 1_000_000);

        Assert.NotNull(narrow);
        Assert.InRange(narrow.Value, T0.AddHours(23), T0.AddHours(24));
        Assert.Null(everything);
        Assert.Null(TimeWindow.Cut(counters, new LogFilter(AgentKey: "B"), 100));
    }
}
