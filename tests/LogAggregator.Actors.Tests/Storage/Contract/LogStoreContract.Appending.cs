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
}
