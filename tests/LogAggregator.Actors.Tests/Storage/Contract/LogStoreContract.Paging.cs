using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage.Contract;

public abstract partial class LogStoreContract
{
    [Fact]
    public async Task Query_returns_newest_first_with_the_total_that_match()
    {
        await AppendAsync(
            Entry("first", at: T0),
            Entry("third", at: T0.AddSeconds(2)),
            Entry("second", at: T0.AddSeconds(1)),
            Entry("same time as third, stored later", at: T0.AddSeconds(2)));

        var page = await QueryAsync(LogFilter.None);

        Assert.Equal(4, page.Total);
        Assert.Equal(["same time as third, stored later", "third", "second", "first"], Messages(page.Entries));
    }

    [Fact]
    public async Task Limit_and_offset_page_through_the_matches()
    {
        await AppendAsync(Enumerable.Range(0, 10).Select(i => Entry("m" + i, at: T0.AddSeconds(i))).ToArray());

        var page = await QueryAsync(LogFilter.None, limit: 3, offset: 2);

        Assert.Equal(["m7", "m6", "m5"], Messages(page.Entries));
        Assert.Equal(10, page.Total);
    }

    [Fact]
    public async Task An_offset_past_the_last_match_gives_an_empty_page_with_the_total()
    {
        await AppendAsync(Entry("a"), Entry("b"));

        var page = await QueryAsync(LogFilter.None, limit: 10, offset: 5);

        Assert.Empty(page.Entries);
        Assert.Equal(2, page.Total);
    }

    [Fact]
    public async Task A_page_is_whole_when_the_newest_matches_are_far_sparser_than_the_average()
    {
        // 300 matches in the first minute, one ten hours later: a store guessing from an even spread would miss rows.
        var entries = Enumerable.Range(0, 300).Select(i => Entry($"early {i:000}", level: Level.Error, at: T0.AddMilliseconds(i * 100))).ToList();
        entries.Add(Entry("late", level: Level.Error, at: T0.AddHours(10)));
        entries.Add(Entry("late info", at: T0.AddHours(10)));
        await Store.AppendAsync(entries, []);

        var page = await QueryAsync(new LogFilter(Level: Level.Error), limit: 100);

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
        await Store.AppendAsync(entries, []);

        var page = await QueryAsync(new LogFilter(From: T0.AddSeconds(1000), To: T0.AddSeconds(4000)), limit: 10, offset: 500);

        Assert.Equal(3000, page.Total);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"m{3499 - i:0000}"), Messages(page.Entries));
    }

    [Fact]
    public async Task Pages_across_days_are_the_newest_of_all_days_merged()
    {
        await Store.AppendAsync(Enumerable.Range(0, 1000).Select(i => Entry($"d1 {i:000}", at: T0.AddSeconds(i))).ToList(), []);
        ArriveOnDay(1);
        // Late arrivals: stored on day 2 but stamped among day 1's newest.
        await Store.AppendAsync(Enumerable.Range(0, 3).Select(i => Entry($"d2 {i}", at: T0.AddSeconds(997.5 + i))).ToList(), []);

        var page = await QueryAsync(LogFilter.None, limit: 5);

        Assert.Equal(["d2 2", "d1 999", "d2 1", "d1 998", "d2 0"], Messages(page.Entries));
    }
}
