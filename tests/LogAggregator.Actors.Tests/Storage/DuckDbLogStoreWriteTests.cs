using DuckDB.NET.Data;
using LogAggregator.Model;
using LogAggregator.Storage;
using static LogAggregator.Tests.Storage.StoreHarness;

namespace LogAggregator.Tests.Storage;

/// <summary>What only the embedded store does on writing: its commit hook and DuckDB's appender. The rest is in the contract suite.</summary>
public sealed class DuckDbLogStoreWriteTests : IAsyncLifetime
{
    private readonly StoreHarness _harness = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _harness.DisposeAsync();

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
}
