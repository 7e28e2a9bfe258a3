using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage.Contract;

public abstract partial class LogStoreContract
{
    /// <summary>
    /// Three arrival days whose entries' timestamps interleave: a late backlog arrives on the third day with the
    /// oldest timestamps, the first day's entries are the newest. Newest first is by timestamp: t9 … t1.
    /// </summary>
    private async Task<string[]> AppendAcrossDaysOutOfOrderAsync()
    {
        await AppendAsync(Entry("t9", at: T0.AddHours(9)), Entry("t6", at: T0.AddHours(6)), Entry("t3", at: T0.AddHours(3)));
        Clock.Now = Clock.Now.AddDays(1);
        await AppendAsync(Entry("t8", at: T0.AddHours(8)), Entry("t5", at: T0.AddHours(5)), Entry("t2", at: T0.AddHours(2)));
        Clock.Now = Clock.Now.AddDays(1);
        await AppendAsync(Entry("t7", at: T0.AddHours(7)), Entry("t4", at: T0.AddHours(4)), Entry("t1", at: T0.AddHours(1)));
        await Subject.SettleAsync();
        return ["t9", "t8", "t7", "t6", "t5", "t4", "t3", "t2", "t1"];
    }

    [Fact]
    public async Task Lists_are_newest_first_by_timestamp_across_arrival_days_on_every_page()
    {
        var expected = await AppendAcrossDaysOutOfOrderAsync();

        for (var limit = 1; limit <= 4; limit++)
        {
            for (var offset = 0; offset <= expected.Length; offset++)
            {
                var page = await Store.QueryAsync(LogFilter.None, new Paging(limit, offset));
                Assert.Equal(expected.Skip(offset).Take(limit), Messages(page.Entries));
            }
        }
    }

    [Fact]
    public async Task Search_is_newest_first_by_timestamp_across_arrival_days_on_every_page()
    {
        var expected = await AppendAcrossDaysOutOfOrderAsync();

        for (var limit = 1; limit <= 4; limit++)
        {
            for (var offset = 0; offset <= expected.Length; offset++)
            {
                var page = await Store.SearchAsync(SearchPattern.Parse("t"), LogFilter.None, new Paging(limit, offset));
                Assert.Equal(expected.Skip(offset).Take(limit), Messages(page));
            }
        }
    }

    [Fact]
    public async Task Entries_with_equal_timestamps_are_newest_arrival_first_in_lists_and_search()
    {
        await AppendAsync(Entry("first day a"), Entry("first day b"));
        Clock.Now = Clock.Now.AddDays(1);
        await AppendAsync(Entry("second day a"), Entry("second day b"));
        await Subject.SettleAsync();
        string[] expected = ["second day b", "second day a", "first day b", "first day a"];

        for (var limit = 1; limit <= 4; limit++)
        {
            for (var offset = 0; offset <= expected.Length; offset++)
            {
                Assert.Equal(expected.Skip(offset).Take(limit), Messages((await Store.QueryAsync(LogFilter.None, new Paging(limit, offset))).Entries));
                Assert.Equal(expected.Skip(offset).Take(limit), Messages(await Store.SearchAsync(SearchPattern.Parse("day"), LogFilter.None, new Paging(limit, offset))));
            }
        }
    }
}
