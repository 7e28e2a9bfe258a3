using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage.Contract;

public abstract partial class LogStoreContract
{
    [Fact]
    public async Task Marks_are_committed_with_their_entries_and_the_latest_wins()
    {
        await Store.AppendAsync([Entry("a")], [new SourceMark("node/tmp/x.log", "CERBERUS", "inode-1", 100)]);
        await Store.AppendAsync(
            [Entry("b"), Entry("c", agent: "HERMES")],
            [new SourceMark("node/tmp/x.log", "CERBERUS", "inode-1", 250), new SourceMark("node/tmp/x.log", "HERMES", "inode-1", 260)]);
        await Store.AppendAsync([Entry("d")], [new SourceMark("node/tmp/other.log", "CERBERUS", "inode-9", 5)]);
        await Subject.ReopenAsync();

        var marks = await Store.GetMarksAsync("node/tmp/x.log");

        Assert.Equal(
            [new SourceMark("node/tmp/x.log", "CERBERUS", "inode-1", 250), new SourceMark("node/tmp/x.log", "HERMES", "inode-1", 260)],
            marks);
    }

    [Fact]
    public async Task A_mark_written_on_a_later_day_replaces_the_earlier_one_even_with_a_smaller_offset()
    {
        // A rotated file starts again at a small offset under a new identity: the later mark is the one that counts.
        await Store.AppendAsync([Entry("a")], [new SourceMark("s", "CERBERUS", "inode-1", 900)]);
        ArriveOnDay(1);
        await Store.AppendAsync([Entry("b")], [new SourceMark("s", "CERBERUS", "inode-2", 10)]);

        var mark = Assert.Single(await Store.GetMarksAsync("s"));

        Assert.Equal(new SourceMark("s", "CERBERUS", "inode-2", 10), mark);
    }

    [Fact]
    public async Task The_later_mark_of_a_source_and_agent_wins_within_one_day_even_with_a_smaller_offset()
    {
        await Store.AppendAsync([Entry("a")], [new SourceMark("s", "CERBERUS", "inode-1", 900)]);
        await Store.AppendAsync([Entry("b")], [new SourceMark("s", "CERBERUS", "inode-2", 10)]);
        await Subject.ReopenAsync();

        Assert.Equal([new SourceMark("s", "CERBERUS", "inode-2", 10)], await Store.GetMarksAsync("s"));
    }

    [Fact]
    public async Task Marks_of_different_sources_are_kept_apart()
    {
        await Store.AppendAsync(
            [Entry("a"), Entry("b")],
            [new SourceMark("node|/tmp/a.log", "CERBERUS", "inode-1", 10), new SourceMark("node|/tmp/b.log", "CERBERUS", "inode-2", 20)]);
        await Store.AppendAsync([Entry("c")], [new SourceMark("node|/tmp/a.log", "CERBERUS", "inode-1", 30)]);

        Assert.Equal([new SourceMark("node|/tmp/a.log", "CERBERUS", "inode-1", 30)], await Store.GetMarksAsync("node|/tmp/a.log"));
        Assert.Equal([new SourceMark("node|/tmp/b.log", "CERBERUS", "inode-2", 20)], await Store.GetMarksAsync("node|/tmp/b.log"));
        Assert.Empty(await Store.GetMarksAsync("node|/tmp/never-tailed.log"));
    }

    [Fact]
    public async Task A_mark_from_an_earlier_day_is_kept_while_that_source_writes_nothing_new()
    {
        await Store.AppendAsync([Entry("a")], [new SourceMark("quiet", "CERBERUS", "inode-1", 77)]);
        ArriveOnDay(1);
        await Store.AppendAsync([Entry("b")], [new SourceMark("busy", "CERBERUS", "inode-2", 5)]);
        await Subject.ReopenAsync();

        Assert.Equal([new SourceMark("quiet", "CERBERUS", "inode-1", 77)], await Store.GetMarksAsync("quiet"));
        Assert.Equal([new SourceMark("busy", "CERBERUS", "inode-2", 5)], await Store.GetMarksAsync("busy"));
    }
}
