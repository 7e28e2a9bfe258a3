using DuckDB.NET.Data;
using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Storage.DuckDb;
using static LogAggregator.Tests.Storage.StoreHarness;

namespace LogAggregator.Tests.Storage;

public sealed class BigramIndexTests : IAsyncLifetime
{
    private const int Rows = 3 * BigramIndex.BlockRows + 1000;
    private readonly StoreHarness _harness = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public void Only_blocks_holding_every_pair_of_the_text_are_read()
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            CREATE TABLE logs AS SELECT i AS seq,
                CASE WHEN i = 9000 THEN 'audit Qbz7Token rotated' WHEN i = 20000 THEN 'caf' || chr(233) ELSE 'user ' || i || ' logged in' END AS message,
                '{"{}"}' AS metadata
            FROM range(1, {Rows + 1}) t(i)
            """;
        command.ExecuteNonQuery();
        var index = new BigramIndex();

        index.Extend(connection, CancellationToken.None);

        var indexed = 3L * BigramIndex.BlockRows;
        Assert.Equal(indexed, index.IndexedThrough);
        // Block 2 (rows 8193..16384) holds the token; block 3 holds a non-ASCII message, so it is never ruled out;
        // adjacent blocks read as one range.
        Assert.Equal($"(seq > {indexed} OR seq BETWEEN 8193 AND 24576)", index.Filter(["QBZ7TOKEN"], out _));
        Assert.Equal($"(seq > {indexed} OR seq BETWEEN 16385 AND 24576)", index.Filter(["zq", "xj"], out _));
        Assert.Equal("", index.Filter([], out _));
    }

    /// <summary>
    /// A file being written is indexed a block per statement (so the writer can checkpoint between them), a past one
    /// in one scan, and a file may change from one to the other (at midnight): the maps come out the same.
    /// </summary>
    [Theory]
    [InlineData(1, int.MaxValue)]
    [InlineData(2, 1)]
    [InlineData(int.MaxValue, int.MaxValue)]
    public void Blocks_indexed_a_few_at_a_time_or_all_at_once_give_the_same_filter(int firstScan, int laterScan)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            CREATE TABLE logs AS SELECT i AS seq,
                CASE WHEN i = 9000 THEN 'audit Qbz7Token rotated' ELSE 'user ' || i || ' logged in' END AS message,
                '{"{}"}' AS metadata
            FROM range(1, {(2 * BigramIndex.BlockRows) + 1}) t(i)
            """;
        command.ExecuteNonQuery();
        var index = new BigramIndex();

        index.Extend(connection, CancellationToken.None, firstScan);
        command.CommandText = $"INSERT INTO logs SELECT i, 'job ' || i || CASE WHEN i = 20000 THEN ' zq1xj' ELSE '' END, '{"{}"}' FROM range({(2 * BigramIndex.BlockRows) + 1}, {Rows + 1}) t(i)";
        command.ExecuteNonQuery();
        index.Extend(connection, CancellationToken.None, laterScan);

        var indexed = 3L * BigramIndex.BlockRows;
        Assert.Equal(indexed, index.IndexedThrough);
        Assert.Equal($"(seq > {indexed} OR seq BETWEEN 8193 AND 16384)", index.Filter(["QBZ7TOKEN"], out _));
        Assert.Equal($"(seq > {indexed} OR seq BETWEEN 16385 AND 24576)", index.Filter(["ZQ1XJ"], out _));
    }

    [Theory]
    [InlineData("qbz7token")]
    [InlineData(@"zq[0-9]{3}xj")]
    [InlineData(@"user\d+@example\.com")]
    [InlineData("KELVIN")]
    [InlineData(@"\x51bz7")]
    public async Task A_search_finds_the_same_entries_with_the_index_as_without(string query)
    {
        var entries = Enumerable.Range(0, Rows).Select(i => Entry(i switch
        {
            100 => "rotated QBZ7TOKEN now",
            9000 => "id zq123xj seen",
            12000 => "mail to user42@example.com",
            17000 => "\u212Aelvin scale",
            _ when i == Rows - 10 => "tail qbz7token too",
            _ => $"job {i} done",
        }, at: Day1.UtcDateTime.AddMilliseconds(i))).ToList();
        entries[500] = Entry("meta", metadata: """{"k":"Qbz7Token"}""", at: Day1.UtcDateTime.AddMilliseconds(500));
        await _harness.Store.AppendAsync(entries, []);
        var pattern = SearchPattern.Parse(query);
        var without = await _harness.Store.SearchAsync(pattern, LogFilter.None, new Paging(100, 0));

        _harness.Store.RefreshIndex();
        var with = await _harness.Store.SearchAsync(pattern, LogFilter.None, new Paging(100, 0));

        Assert.NotEmpty(with);
        Assert.Equal(without.Select(e => e.Id), with.Select(e => e.Id));
    }
}
