using DuckDB.NET.Data;
using LogAggregator.Model;
using LogAggregator.Storage;
using static LogAggregator.Tests.Storage.StoreHarness;

namespace LogAggregator.Tests.Storage;

public sealed class DuckDbLogStoreWriteTests : IAsyncLifetime
{
    private readonly StoreHarness _harness = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Marks_are_committed_with_their_entries_and_the_latest_wins()
    {
        await _harness.Store.AppendAsync([Entry("a")], [new SourceMark("node/tmp/x.log", "CERBERUS", "inode-1", 100)]);
        await _harness.Store.AppendAsync(
            [Entry("b"), Entry("c", agent: "HERMES")],
            [new SourceMark("node/tmp/x.log", "CERBERUS", "inode-1", 250), new SourceMark("node/tmp/x.log", "HERMES", "inode-1", 260)]);
        await _harness.Store.AppendAsync([Entry("d")], [new SourceMark("node/tmp/other.log", "CERBERUS", "inode-9", 5)]);
        await _harness.ReopenAsync();

        var marks = await _harness.Store.GetMarksAsync("node/tmp/x.log");

        Assert.Equal(
            [new SourceMark("node/tmp/x.log", "CERBERUS", "inode-1", 250), new SourceMark("node/tmp/x.log", "HERMES", "inode-1", 260)],
            marks);
    }

    [Fact]
    public async Task The_newest_day_holds_the_mark_that_counts()
    {
        await _harness.Store.AppendAsync([Entry("a")], [new SourceMark("s", "CERBERUS", "inode-1", 900)]);
        _harness.Clock.Now = Day1.AddDays(1);
        await _harness.Store.AppendAsync([Entry("b")], [new SourceMark("s", "CERBERUS", "inode-2", 10)]);

        var mark = Assert.Single(await _harness.Store.GetMarksAsync("s"));

        Assert.Equal(new SourceMark("s", "CERBERUS", "inode-2", 10), mark);
    }

    [Fact]
    public async Task A_batch_whose_commit_fails_stores_nothing_and_the_writer_carries_on()
    {
        await _harness.AppendAsync(Entry("kept"));
        _harness.Store.BeforeCommit = () => throw new InvalidOperationException("disk on fire");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => _harness.Store.AppendAsync(
            [Entry("lost 1"), Entry("lost 2")], [new SourceMark("s", "CERBERUS", "inode-1", 42)]));
        _harness.Store.BeforeCommit = null;
        var afterwards = await _harness.AppendAsync(Entry("after"));

        Assert.Equal("disk on fire", failure.Message);
        Assert.Equal(["20261123-2"], afterwards);
        var page = await _harness.Store.QueryAsync(LogFilter.None, new Paging(10, 0));
        Assert.Equal(["after", "kept"], page.Entries.Select(e => e.Entry.Message));
        Assert.Equal(2, page.Total);
        Assert.Empty(await _harness.Store.GetMarksAsync("s"));
        Assert.Equal(2, (await _harness.Store.GetStatsAsync()).TotalLogs);
        await _harness.ReopenAsync();
        Assert.Equal(2, (await _harness.Store.QueryAsync(LogFilter.None, new Paging(10, 0))).Total);
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
                ids.AddRange(await _harness.Store.AppendAsync(entries, []));
            }

            return ids;
        })).ToArray();

        var all = (await Task.WhenAll(callers)).SelectMany(ids => ids).ToList();

        Assert.Equal(8 * 10 * 50, all.Count);
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(all.Count, (await _harness.Store.QueryAsync(LogFilter.None, new Paging(1, 0))).Total);
        var last = all.Last();
        Assert.Equal($"c7 b9 e49", (await _harness.Store.GetAsync(last))?.Entry.Message);
    }

    [Fact]
    public async Task Appender_rows_inside_a_rolled_back_transaction_are_discarded()
    {
        var path = Path.Combine(_harness.LogsDirectory, "bare.duckdb");
        await using var connection = new DuckDBConnection("DataSource=" + path);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE t (x INTEGER); BEGIN TRANSACTION;";
        command.ExecuteNonQuery();
        using (var appender = connection.CreateAppender("t"))
        {
            appender.CreateRow().AppendValue(1).EndRow();
            appender.CreateRow().AppendValue(2).EndRow();
        }

        command.CommandText = "SELECT count(*) FROM t";
        var seenInside = Convert.ToInt64(command.ExecuteScalar());
        command.CommandText = "ROLLBACK";
        command.ExecuteNonQuery();
        command.CommandText = "SELECT count(*) FROM t";

        Assert.Equal(2, seenInside);
        Assert.Equal(0L, Convert.ToInt64(command.ExecuteScalar()));
    }

    [Fact]
    public async Task Appending_after_dispose_is_refused()
    {
        await _harness.Store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => _harness.Store.AppendAsync([Entry("late")], []));
    }
}
