using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage.Contract;

public abstract partial class LogStoreContract
{
    [Fact]
    public async Task Append_returns_one_id_per_entry_in_order_and_each_id_finds_its_entry()
    {
        var ids = await AppendAsync(Entry("one"), Entry("two"), Entry("three"));

        Assert.Equal(3, ids.Distinct().Count());
        Assert.Equal(["one", "two", "three"], await Task.WhenAll(ids.Select(async id => (await Store.GetAsync(id))!.Entry.Message)));
    }

    [Fact]
    public async Task Acknowledged_entries_and_marks_survive_closing_and_reopening()
    {
        await Store.AppendAsync([Entry("kept")], [new SourceMark("node|/tmp/a.log", "CERBERUS", "1:2:0", 42)]);

        await Subject.ReopenAsync();

        Assert.Equal(["kept"], Messages((await Store.QueryAsync(LogFilter.None, new Paging(10, 0))).Entries));
        Assert.Equal(42, Assert.Single(await Store.GetMarksAsync("node|/tmp/a.log")).EndOffset);
    }

    [Fact]
    public async Task An_unknown_id_finds_nothing()
    {
        await AppendAsync(Entry("one"));

        Assert.Null(await Store.GetAsync("20991231-1"));
        Assert.Null(await Store.GetAsync("not an id"));
        Assert.Null(await Store.GetContextAsync("not an id", 5, 5));
    }

    [Fact]
    public async Task Entries_come_back_as_they_were_sent()
    {
        var sent = new LogEntry(T0.AddMilliseconds(123), Level.Critical, "Atlas", "disk full", "api", """{"disk":"/dev/sda1"}""");
        var id = (await AppendAsync(sent)).Single();

        var stored = await Store.GetAsync(id);

        Assert.Equal(sent, stored?.Entry);
        Assert.Equal(DateTimeKind.Utc, stored!.Entry.Timestamp.Kind);
    }

    [Fact]
    public async Task Concurrent_appenders_are_all_acknowledged_with_unique_ids()
    {
        var callers = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            var ids = new List<string>();
            for (var batch = 0; batch < 10; batch++)
            {
                var entries = Enumerable.Range(0, 50).Select(i => Entry($"c{c} b{batch} e{i}", agent: "AGENT" + c)).ToArray();
                ids.AddRange(await Store.AppendAsync(entries, []));
            }

            return ids;
        })).ToArray();

        var all = (await Task.WhenAll(callers)).SelectMany(ids => ids).ToList();

        Assert.Equal(8 * 10 * 50, all.Count);
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(all.Count, (await QueryAsync(LogFilter.None, limit: 1)).Total);
        var last = all.Last();
        Assert.Equal("c7 b9 e49", (await Store.GetAsync(last))?.Entry.Message);
    }

    [Fact]
    public async Task Ids_given_after_a_restart_or_on_a_later_day_never_repeat_earlier_ones()
    {
        var first = await AppendAsync(Entry("one"), Entry("two"));
        await Subject.ReopenAsync();
        var afterRestart = await AppendAsync(Entry("three"));
        ArriveOnDay(1);
        var nextDay = await AppendAsync(Entry("four"));

        var all = first.Concat(afterRestart).Concat(nextDay).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(["one", "two", "three", "four"], await Task.WhenAll(all.Select(async id => (await Store.GetAsync(id))!.Entry.Message)));
    }

    [Fact]
    public async Task Appending_after_dispose_is_refused()
    {
        await Store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => Store.AppendAsync([Entry("late")], []));
    }
}
