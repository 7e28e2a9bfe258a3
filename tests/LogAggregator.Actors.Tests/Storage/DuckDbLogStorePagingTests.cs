using System.Text.RegularExpressions;
using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Storage.DuckDb;
using static LogAggregator.Tests.Storage.StoreHarness;

namespace LogAggregator.Tests.Storage;

/// <summary>
/// The time window the embedded store reads a page through, sized from a day file's counters. That pages read
/// through it equal pages read without one is stated in the contract suite (LogStoreContract.Paging.cs).
/// </summary>
public sealed class DuckDbLogStorePagingTests
{
    private static readonly DateTime T0 = Day1.UtcDateTime;

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

    /// <summary>
    /// A day's backlog posted as the peer benchmark does (four clients each sending the next body of an hour's entries,
    /// so four consecutive hours arrive interleaved), and a few live entries stamped a year later among the first
    /// bodies: the file's time range spans the year, so the time window guessed from it holds only the live entries.
    /// Each page is still read from the blocks of arrival that hold it, never the whole file (on the peer benchmark's
    /// million rows the unfiltered newest 100 took 23 ms that way, and the newest 1 or 10 of an agent and level 6 to
    /// 7.5 ms, against 3.5 for its newest 100).
    /// </summary>
    [Fact]
    public async Task Pages_beside_entries_stamped_far_ahead_read_their_blocks_of_arrival_and_not_the_whole_file()
    {
        await using var harness = new StoreHarness();
        var arrived = new List<LogEntry>();
        for (var group = 0; group < 6; group++)
        {
            for (var chunk = 0; chunk < 4; chunk++)
            {
                for (var body = 0; body < 4; body++)
                {
                    var hour = group * 4 + body;
                    var entries = Enumerable.Range(chunk * 1000, 1000).Select(i => Entry(
                        $"{hour} {i}", i % 7 == 0 ? "ATLAS" : "HERMES", i % 20 == 0 ? Level.Error : Level.Info,
                        T0.AddHours(hour).AddSeconds(i * 0.9))).ToList();
                    if (group == 0 && chunk == 0)
                    {
                        entries.Add(Entry($"live {body}", "PROBE", Level.Info, T0.AddDays(365).AddSeconds(body)));
                    }

                    await harness.Store.AppendAsync(entries, []);
                    arrived.AddRange(entries);
                }
            }
        }

        var statements = new List<string>();
        harness.Store.PageRead = statements.Add;
        var atlasErrors = new LogFilter(AgentKey: "ATLAS", Level: Level.Error);
        Func<LogEntry, bool> any = _ => true, atlas = e => e is { Agent: "ATLAS", Level: Level.Error };
        foreach (var (filter, matches, limit) in new[] { (LogFilter.None, any, 100), (atlasErrors, atlas, 1), (atlasErrors, atlas, 10), (atlasErrors, atlas, 100) })
        {
            statements.Clear();
            var page = await harness.Store.QueryAsync(filter, new Paging(limit, 0));

            var expected = arrived.Select((e, seq) => (e, seq)).Where(x => matches(x.e))
                .OrderByDescending(x => x.e.Timestamp).ThenByDescending(x => x.seq).Take(limit).Select(x => x.e.Message);
            Assert.Equal(expected, page.Entries.Select(e => e.Entry.Message));
            // From runs of arrival ("seq >= ..."), in one statement: the blocks also tell that the time window guessed
            // from the file's range cannot hold the page, so it is not read to find that out.
            Assert.All(statements, sql => Assert.True(Regex.IsMatch(sql, "ts >= |seq >= "), $"newest {limit} of {filter} read the whole file: {sql}"));
            Assert.Contains("seq >= ", Assert.Single(statements), StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// A page whose newest rows arrived in two bodies with other agents' entries between (as four clients' bodies
    /// interleave): the blocks between hold no row of the page's agent and level, and reading them is cheaper than a
    /// second branch of the statement (on the peer benchmark's million rows an agent and level's newest 100 took
    /// 2.9 ms from two runs as a union and 1.9 from one run over the 110,000 rows between them), so the page is one
    /// run of seq.
    /// </summary>
    [Fact]
    public async Task A_page_reads_across_blocks_between_its_runs_when_they_hold_few_of_its_rows()
    {
        await using var harness = new StoreHarness();
        var arrived = new List<LogEntry>();
        async Task Append(int count, string agent, Level level, DateTime from)
        {
            var entries = Enumerable.Range(0, count).Select(i => Entry($"{agent} {from:HH} {i}", agent, level, from.AddSeconds(i * 0.1))).ToList();
            await harness.Store.AppendAsync(entries, []);
            arrived.AddRange(entries);
        }

        await Append(20_000, "ATLAS", Level.Error, T0);
        await Append(500, "ATLAS", Level.Error, T0.AddHours(10));
        for (var body = 0; body < 10; body++)
        {
            await Append(10_000, "HERMES", Level.Info, T0.AddHours(1));
        }

        await Append(500, "ATLAS", Level.Error, T0.AddHours(11));
        await Append(9_000, "HERMES", Level.Info, T0.AddHours(12));

        var statements = new List<string>();
        harness.Store.PageRead = statements.Add;
        var atlasErrors = new LogFilter(AgentKey: "ATLAS", Level: Level.Error);
        var page = await harness.Store.QueryAsync(atlasErrors, new Paging(600, 0));

        var expected = arrived.Where(e => e is { Agent: "ATLAS", Level: Level.Error }).OrderByDescending(e => e.Timestamp).Take(600);
        Assert.Equal(expected.Select(e => e.Message), page.Entries.Select(e => e.Entry.Message));
        var read = Assert.Single(statements);
        Assert.Contains("seq >= ", read, StringComparison.Ordinal);
        Assert.DoesNotContain("UNION", read, StringComparison.Ordinal);
    }
}
