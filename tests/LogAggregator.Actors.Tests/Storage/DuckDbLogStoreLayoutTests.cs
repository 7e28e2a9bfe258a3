using System.Globalization;
using DuckDB.NET.Data;
using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Tests.Storage.Contract;
using static LogAggregator.Tests.Storage.StoreHarness;

namespace LogAggregator.Tests.Storage;

/// <summary>
/// How a day file lays its rows on disk: messages zstd-compressed in files this version makes, and files an earlier
/// version made (their own schema and DuckDB storage version) still read, searched and written after an upgrade.
/// </summary>
public sealed class DuckDbLogStoreLayoutTests : IAsyncLifetime
{
    /// <summary>The logs table as every build before zstd created it, in a file of DuckDB's default storage version.</summary>
    private const string PreviousSchema = """
        CREATE TABLE logs (
            seq BIGINT NOT NULL, ts TIMESTAMP NOT NULL, level UTINYINT NOT NULL, agent VARCHAR NOT NULL,
            agent_key VARCHAR NOT NULL, message VARCHAR NOT NULL, source VARCHAR NOT NULL, metadata VARCHAR NOT NULL);
        CREATE TABLE source_marks (
            source_key VARCHAR NOT NULL, agent_key VARCHAR NOT NULL, file_identity VARCHAR NOT NULL,
            end_offset BIGINT NOT NULL, PRIMARY KEY (source_key, agent_key));
        """;

    private readonly StoreHarness _harness = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task A_new_day_file_keeps_its_messages_zstd_compressed()
    {
        await _harness.Store.AppendAsync(Messages("worker {0} processed batch {1}", 5000), []);
        await _harness.Store.DisposeAsync();

        var compressions = MessageCompressions();

        Assert.Equal(["ZSTD"], compressions);
    }

    [Fact]
    public async Task Awkward_and_huge_messages_come_back_exactly_from_zstd_segments_after_a_restart()
    {
        // The contract suite reads its values back before any checkpoint, from memory; only a checkpoint writes zstd.
        var texts = ((IEnumerable<object[]>)LogStoreContract.AwkwardText()).Select(row => (string)row[0])
            .Append("")
            .Append(string.Concat(Enumerable.Repeat("x\u0000\U0001F600\u202E", 1024 * 1024 / 5)))
            .ToList();
        var ids = await _harness.Store.AppendAsync([.. texts.Select(t => Entry(t, agent: "ODD")), .. Messages("filler {0} of {1}", 5000)], []);
        await _harness.Store.DisposeAsync();
        var compressions = MessageCompressions();
        await _harness.ReopenAsync();

        var byId = new List<string?>();
        foreach (var id in ids.Take(texts.Count))
        {
            byId.Add((await _harness.Store.GetAsync(id))?.Entry.Message);
        }

        var listed = (await _harness.Store.QueryAsync(new LogFilter(AgentKey: "ODD"), new Paging(Paging.MaxLimit, 0))).Entries
            .Select(e => e.Entry.Message).ToHashSet();
        var found = await _harness.Store.SearchAsync(SearchPattern.Parse(texts[0]), LogFilter.None, new Paging(10, 0));

        Assert.Equal(["ZSTD"], compressions);
        Assert.Equal<string?>(texts, byId);
        Assert.Equal(texts.ToHashSet(), listed);
        Assert.Equal(texts[0], Assert.Single(found).Entry.Message);
    }

    [Fact]
    public async Task A_day_file_written_by_the_previous_schema_is_read_searched_and_extended_after_an_upgrade()
    {
        await _harness.Store.DisposeAsync();
        Directory.CreateDirectory(_harness.LogsDirectory);
        var path = DayPath(Day1);
        using (var connection = new DuckDBConnection("DataSource=" + path))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = PreviousSchema + """
                INSERT INTO logs VALUES
                    (1, TIMESTAMP '2026-11-23 09:00:00.123456', 1, 'cerberus', 'CERBERUS', 'old line one', '/tmp/cerberus.log', '{}'),
                    (2, TIMESTAMP '2026-11-23 09:00:01', 3, 'HERMES', 'HERMES', 'old failure user7@example.org', 'api', '{"host":"h1"}');
                INSERT INTO logs SELECT i, TIMESTAMP '2026-11-23 08:00:00' + to_milliseconds(i), 0, 'ATLAS', 'ATLAS',
                    'old filler ' || i, '/tmp/atlas.log', '{}' FROM range(3, 3003) r(i);
                INSERT INTO source_marks VALUES ('/tmp/cerberus.log', 'CERBERUS', 'inode-1', 120);
                CHECKPOINT;
                """;
            command.ExecuteNonQuery();
        }

        await _harness.ReopenAsync();
        var old = await _harness.Store.QueryAsync(LogFilter.None, new Paging(2, 0));
        var found = await _harness.Store.SearchAsync(SearchPattern.Parse(@"user\d+@example\.org"), LogFilter.None, new Paging(10, 0));
        var byAgent = await _harness.Store.QueryAsync(new LogFilter(AgentKey: "CERBERUS"), new Paging(10, 0));
        var marks = await _harness.Store.GetMarksAsync("/tmp/cerberus.log");
        var ids = await _harness.Store.AppendAsync(Messages("new line {0} of batch {1}", 3000), []);
        await _harness.ReopenAsync();
        var afterRestart = await _harness.Store.QueryAsync(LogFilter.None, new Paging(1, 0));
        var oldFailure = await _harness.Store.GetAsync("20261123-2");
        await _harness.Store.DisposeAsync();

        Assert.Equal(["old failure user7@example.org", "old line one"], old.Entries.Select(e => e.Entry.Message));
        Assert.Equal(new DateTime(2026, 11, 23, 9, 0, 0, 123, 456, DateTimeKind.Utc), old.Entries[1].Entry.Timestamp);
        Assert.Equal(Level.Error, old.Entries[0].Entry.Level);
        Assert.Equal(["20261123-2"], found.Select(e => e.Id));
        Assert.Equal(["old line one"], byAgent.Entries.Select(e => e.Entry.Message));
        Assert.Equal([new SourceMark("/tmp/cerberus.log", "CERBERUS", "inode-1", 120)], marks);
        Assert.Equal("20261123-3003", ids[0]);
        Assert.Equal(6002, afterRestart.Total);
        Assert.Equal(3002, old.Total);
        Assert.Equal("HERMES", oldFailure?.Entry.Agent);
    }

    private string DayPath(DateTimeOffset day) =>
        Path.Combine(_harness.LogsDirectory, day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ".duckdb");

    /// <summary>Log-like lines with varying numbers, enough of them for DuckDB to compress a segment.</summary>
    private static LogEntry[] Messages(string template, int count) =>
        Enumerable.Range(0, count)
            .Select(i => Entry(string.Format(CultureInfo.InvariantCulture, template, i % 64, i * 7919 % 1_000_003)))
            .ToArray();

    /// <summary>How DuckDB stored the message column of today's file (the store must be closed).</summary>
    private List<string> MessageCompressions() =>
        Query(DayPath(Day1), "SELECT DISTINCT compression FROM pragma_storage_info('logs') WHERE column_name = 'message' AND segment_type = 'VARCHAR'");

    private static List<string> Query(string path, string sql)
    {
        using var connection = new DuckDBConnection("DataSource=" + path);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
