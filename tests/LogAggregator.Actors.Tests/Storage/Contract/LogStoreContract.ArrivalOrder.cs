using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage.Contract;

/// <summary>
/// Pages when arrival order and timestamps disagree: a store may read a page from its newest arrivals only
/// while every entry it leaves out sorts after the page. Each page is compared with the same entries sorted here
/// (newest timestamp first, on a tie the later arrival first), over thousands of entries so that a store reading
/// in blocks of arrival has several.
/// </summary>
public abstract partial class LogStoreContract
{
    private static readonly LogFilter AtlasErrors = new(AgentKey: "ATLAS", Level: Level.Error);

    [Fact]
    public async Task A_page_holds_an_entry_that_arrived_long_before_the_older_ones_around_it()
    {
        // Few matches (a time window guessed from them would span the whole file) among many rows of another agent.
        var arrived = new List<LogEntry>();
        for (var round = 0; round < 30; round++)
        {
            var batch = Enumerable.Range(0, 2000).Select(i => Entry($"other {round} {i}", "HERMES", Level.Info, T0.AddMinutes(round).AddMilliseconds(i)))
                .Concat(Enumerable.Range(0, 10).Select(i => Entry($"atlas {round} {i}", "ATLAS", Level.Error, T0.AddMinutes(round).AddSeconds(i))))
                .ToList();
            if (round == 12)
            {
                batch.Add(Entry("arrived early, newest of all", "ATLAS", Level.Error, T0.AddHours(2)));
            }

            await Store.AppendAsync(batch, []);
            arrived.AddRange(batch);
        }

        var first = await QueryAsync(AtlasErrors, limit: 100);

        Assert.Equal("arrived early, newest of all", first.Entries[0].Entry.Message);
        Assert.Equal(301, first.Total);
        await AssertPagesAsync(arrived, AtlasErrors, (100, 0), (10, 95), (50, 250), (100, 290));
        await AssertPagesAsync(arrived, new LogFilter(Level: Level.Error), (100, 0), (20, 100));
        await AssertPagesAsync(arrived, LogFilter.None, (100, 0));
    }

    [Fact]
    public async Task Entries_stamped_alike_page_by_arrival_across_thousands_of_them()
    {
        var arrived = new List<LogEntry>();
        arrived.AddRange(Enumerable.Range(0, 12000).Select(i => Entry($"before {i}", "ATLAS", Level.Error, T0.AddHours(-4).AddSeconds(i))));
        arrived.AddRange(Enumerable.Range(0, 20000).Select(i => Entry($"same time {i}", "ATLAS", Level.Error, T0)));
        await AppendInBatchesAsync(arrived, 2800);

        var first = await QueryAsync(AtlasErrors, limit: 3);

        Assert.Equal(["same time 19999", "same time 19998", "same time 19997"], Messages(first.Entries));
        await AssertPagesAsync(arrived, AtlasErrors, (100, 0), (100, 8000), (100, 19950), (1000, 19500));
    }

    [Fact]
    public async Task A_page_under_an_upper_time_bound_is_whole_when_the_newest_arrivals_lie_past_it()
    {
        var arrived = new List<LogEntry>();
        arrived.AddRange(Enumerable.Range(0, 16000).Select(i => Entry($"inside {i}", "ATLAS", Level.Error, T0.AddSeconds(i))));
        arrived.AddRange(Enumerable.Range(0, 36000).Select(i => Entry($"past the bound {i}", "ATLAS", Level.Error, T0.AddHours(5).AddSeconds(i))));
        await AppendInBatchesAsync(arrived, 4000);

        var bounded = AtlasErrors with { To = T0.AddHours(5) };
        var page = await QueryAsync(bounded, limit: 100);

        Assert.Equal("inside 15999", page.Entries[0].Entry.Message);
        Assert.Equal(16000, page.Total);
        await AssertPagesAsync(arrived, bounded, (100, 0), (100, 15950));
        await AssertPagesAsync(arrived, AtlasErrors with { From = T0.AddSeconds(15990), To = T0.AddHours(5).AddSeconds(5) }, (100, 0));
    }

    [Fact]
    public async Task Pages_of_late_arrivals_on_a_later_day_merge_with_the_first_day_and_survive_a_reopen()
    {
        var arrived = new List<LogEntry>();
        arrived.AddRange(Enumerable.Range(0, 20000).Select(i => Entry($"d1 {i}", "ATLAS", i % 7 == 0 ? Level.Info : Level.Error, T0.AddSeconds(i))));
        await AppendInBatchesAsync(arrived, 2400);
        ArriveOnDay(1);
        var late = Enumerable.Range(0, 12000).Select(i => Entry($"d2 {i}", "ATLAS", Level.Error, T0.AddSeconds(19900 + i * 0.05))).ToList();
        await AppendInBatchesAsync(late, 2400);
        arrived.AddRange(late);

        await AssertPagesAsync(arrived, AtlasErrors, (100, 0), (100, 500), (30, 28000));
        await Subject.ReopenAsync();
        await AssertPagesAsync(arrived, AtlasErrors, (100, 0), (100, 500), (30, 28000));

        // Written after the reopen: the new rows join what was read back from the files.
        var after = Enumerable.Range(0, 10000).Select(i => Entry($"after reopen {i}", "ATLAS", Level.Error, T0.AddSeconds(16000 + i))).ToList();
        await AppendInBatchesAsync(after, 2000);
        arrived.AddRange(after);
        await AssertPagesAsync(arrived, AtlasErrors, (100, 0), (200, 300));
    }

    [Fact]
    public async Task A_page_comes_whole_from_the_two_batches_far_apart_in_arrival_that_hold_the_newest_entries()
    {
        // Sixteen batches of 8,192; the third and the last hold the newest entries, their times interleaved, and the
        // twelve batches between them only older ones.
        var arrived = new List<LogEntry>();
        for (var batch = 0; batch < 16; batch++)
        {
            var newest = batch is 2 or 15;
            var entries = Enumerable.Range(0, 8192).Select(i => Entry(
                $"{batch} {i}", "ATLAS", i % 80 == 0 ? Level.Error : Level.Info,
                newest ? T0.AddHours(10).AddSeconds(i * 0.4 + (batch == 15 ? 0.2 : 0)) : T0.AddMinutes(batch * 10).AddSeconds(i * 0.05))).ToList();
            await Store.AppendAsync(entries, []);
            arrived.AddRange(entries);
        }

        await AssertPagesAsync(arrived, AtlasErrors, (100, 0), (10, 50), (100, 250));
        await AssertPagesAsync(arrived, new LogFilter(Level: Level.Error), (100, 0));
    }

    [Fact]
    public async Task Searches_page_newest_first_over_thousands_of_interleaved_arrivals()
    {
        // Batches of one agent each whose times overlap those before them, one match in 40 (the others hold the text's
        // character pairs too, so a search index keeps every block); an early arrival that is
        // the newest match of all, and a run of matches stamped alike, so a store reading its newest blocks of arrival
        // first must look back for them.
        var arrived = new List<LogEntry>();
        for (var batch = 0; batch < 40; batch++)
        {
            var agent = batch % 3 == 0 ? "ATLAS" : "HERMES";
            var start = T0.AddMinutes(batch * 10 - (batch % 2 == 0 ? 0 : 25));
            var entries = Enumerable.Range(0, 2000).Select(i => Entry(
                $"{(i % 40 == 0 ? "hit" : "thigh it")} {batch} {i}", agent, i % 80 == 0 ? Level.Error : Level.Info, start.AddSeconds(i * 0.3))).ToList();
            if (batch == 3)
            {
                entries.Add(Entry("hit arrived early, newest of all", "ATLAS", Level.Info, T0.AddDays(1)));
            }

            if (batch == 9)
            {
                entries.AddRange(Enumerable.Range(0, 30).Select(i => Entry($"hit alike {i}", "HERMES", Level.Error, T0.AddMinutes(388))));
            }

            await Store.AppendAsync(entries, []);
            arrived.AddRange(entries);
        }

        await AssertSearchPagesAsync(arrived, "hit", LogFilter.None, (100, 0), (10, 95), (50, 400));
        await AssertSearchPagesAsync(arrived, "hit", new LogFilter(AgentKey: "ATLAS"), (100, 0), (20, 60));
        await AssertSearchPagesAsync(arrived, "hit", new LogFilter(Level: Level.Error), (40, 0), (10, 20));
        await AssertSearchPagesAsync(arrived, "hit", new LogFilter(To: T0.AddMinutes(388)), (100, 0));
        await AssertSearchPagesAsync(arrived, "hit", new LogFilter(From: T0.AddMinutes(300)), (100, 0), (30, 100));
    }

    [Fact]
    public async Task A_search_page_holds_the_newest_arrival_stamped_as_its_last_match()
    {
        // Ten batches of 8,192: the first two hold the newest entries and 200 matches at 05:00; the last holds a
        // single match at 05:00 too, which, having arrived last, comes first among them.
        var arrived = new List<LogEntry>();
        for (var batch = 0; batch < 10; batch++)
        {
            var entries = Enumerable.Range(0, 8192).Select(i => batch < 2
                ? Entry(i < 100 ? $"hit {batch} {i}" : $"thigh it {batch} {i}", "ATLAS", Level.Info, i < 100 ? T0.AddHours(5) : T0.AddHours(10).AddSeconds(-i))
                : Entry(batch == 9 && i == 8191 ? "hit last" : $"thigh it {batch} {i}", "ATLAS", Level.Info, batch == 9 && i == 8191 ? T0.AddHours(5) : T0.AddSeconds(i)))
                .ToList();
            await Store.AppendAsync(entries, []);
            arrived.AddRange(entries);
        }

        await AssertSearchPagesAsync(arrived, "hit", LogFilter.None, (100, 0), (5, 0), (10, 195));
    }

    [Fact]
    public async Task A_search_page_holds_a_match_that_arrived_long_before_the_newest_ones()
    {
        // Twelve batches of 8,192 in time order, one match in 40; the fourth also holds a match as new as the
        // eleventh's newest, so a page reaching into the eleventh's matches must look back for it.
        var arrived = new List<LogEntry>();
        for (var batch = 0; batch < 12; batch++)
        {
            var entries = Enumerable.Range(0, 8192).Select(i => batch == 3 && i == 5000
                ? Entry("hit long before", "ATLAS", Level.Info, T0.AddMinutes(100).AddSeconds(400))
                : Entry($"{(i % 40 == 0 ? "hit" : "thigh it")} {batch} {i}", "ATLAS", Level.Info, T0.AddMinutes(batch * 10).AddSeconds(i * 0.05)))
                .ToList();
            await Store.AppendAsync(entries, []);
            arrived.AddRange(entries);
        }

        await AssertSearchPagesAsync(arrived, "hit", LogFilter.None, (300, 0), (50, 200), (5, 0));
        await AssertSearchPagesAsync(arrived, "hit", new LogFilter(AgentKey: "ATLAS"), (300, 0));
    }

    /// <summary>Each (limit, offset) page of a search for the literal <paramref name="text"/> equals the matching arrived entries sorted here.</summary>
    private async Task AssertSearchPagesAsync(List<LogEntry> arrived, string text, LogFilter filter, params (int Limit, int Offset)[] pages)
    {
        var matching = arrived
            .Select((entry, order) => (Entry: entry, Order: order))
            .Where(x => x.Entry.Message.Contains(text, StringComparison.OrdinalIgnoreCase)
                && (filter.AgentKey is null || x.Entry.AgentKey == filter.AgentKey) && filter.MatchesLevel(x.Entry.Level)
                && (filter.From is null || x.Entry.Timestamp >= filter.From) && (filter.To is null || x.Entry.Timestamp < filter.To))
            .OrderByDescending(x => x.Entry.Timestamp).ThenByDescending(x => x.Order)
            .Select(x => x.Entry.Message)
            .ToList();
        foreach (var (limit, offset) in pages)
        {
            var page = await Store.SearchAsync(SearchPattern.Parse(text), filter, new Paging(limit, offset));
            Assert.Equal(matching.Skip(offset).Take(limit), Messages(page));
        }
    }

    private async Task AppendInBatchesAsync(List<LogEntry> entries, int size)
    {
        for (var i = 0; i < entries.Count; i += size)
        {
            await Store.AppendAsync(entries.GetRange(i, Math.Min(size, entries.Count - i)), []);
        }
    }

    /// <summary>Each (limit, offset) page equals the arrived entries sorted here: newest first, the later arrival first on a tie.</summary>
    private async Task AssertPagesAsync(List<LogEntry> arrived, LogFilter filter, params (int Limit, int Offset)[] pages)
    {
        var matching = arrived
            .Select((entry, order) => (Entry: entry, Order: order))
            .Where(x => (filter.AgentKey is null || x.Entry.AgentKey == filter.AgentKey) && filter.MatchesLevel(x.Entry.Level)
                && (filter.From is null || x.Entry.Timestamp >= filter.From) && (filter.To is null || x.Entry.Timestamp < filter.To))
            .OrderByDescending(x => x.Entry.Timestamp).ThenByDescending(x => x.Order)
            .Select(x => x.Entry.Message)
            .ToList();
        foreach (var (limit, offset) in pages)
        {
            var page = await QueryAsync(filter, limit, offset);
            Assert.Equal(matching.Skip(offset).Take(limit), Messages(page.Entries));
            Assert.Equal(matching.Count, page.Total);
        }
    }
}
