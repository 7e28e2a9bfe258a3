using System.Globalization;
using DuckDB.NET.Data;
using LogAggregator.Model;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// One arrival day's database. DuckDB opens a file once per process; DuckDB.NET shares that one instance
/// between every connection whose DataSource is the same path (its ConnectionManager counts them), so the
/// file keeps an anchor connection open for its lifetime (the writer's) and each query opens its own
/// cheap connection on the same instance.
/// </summary>
internal sealed class DayFile
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS logs (
            seq BIGINT NOT NULL, ts TIMESTAMP NOT NULL, level UTINYINT NOT NULL, agent VARCHAR NOT NULL,
            agent_key VARCHAR NOT NULL, message VARCHAR NOT NULL, source VARCHAR NOT NULL, metadata VARCHAR NOT NULL);
        CREATE TABLE IF NOT EXISTS source_marks (
            source_key VARCHAR NOT NULL, agent_key VARCHAR NOT NULL, file_identity VARCHAR NOT NULL,
            end_offset BIGINT NOT NULL, PRIMARY KEY (source_key, agent_key));
        """;

    private readonly string _connectionString;
    private readonly DuckDbLogStoreOptions _options;
    private readonly DuckDBConnection _anchor;
    private readonly object _leaseGate = new();
    private int _leases;
    private bool _closed;

    private DayFile(DateOnly day, string path, DuckDbLogStoreOptions options)
    {
        Day = day;
        Path = path;
        IdPrefix = LogIds.Prefix(day);
        _options = options;
        _connectionString = $"DataSource={path};memory_limit={options.MemoryLimit};threads={options.Threads}";
        _anchor = Connect();
    }

    public DateOnly Day { get; }

    public string Path { get; }

    public string Name => FileName(Day);

    public string IdPrefix { get; }

    public DayCounters Counters { get; } = new();

    /// <summary>The seq the next appended row gets; only the writer moves it.</summary>
    public long NextSeq { get; set; } = 1;

    /// <summary>Set while this file takes writes; closing the file drains it first.</summary>
    public DayWriter? Writer { get; set; }

    /// <summary>The writer's connection. Nothing else may use it.</summary>
    public DuckDBConnection WriterConnection => _anchor;

    public long SizeBytes => Length(Path) + Length(Path + ".wal");

    public static string FileName(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ".duckdb";

    public static bool TryParseName(string fileName, out DateOnly day) =>
        DateOnly.TryParseExact(
            System.IO.Path.GetFileNameWithoutExtension(fileName), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);

    /// <summary>Opens or creates the file, and counts what it already holds: the only full scan it ever gets.</summary>
    public static DayFile Open(string directory, DateOnly day, DuckDbLogStoreOptions options)
    {
        var file = new DayFile(day, System.IO.Path.Combine(directory, FileName(day)), options);
        try
        {
            file.Load();
            return file;
        }
        catch
        {
            file._anchor.Dispose();
            throw;
        }
    }

    /// <summary>A fresh connection for one query, or null once the file is closed (retention got there first).</summary>
    public Lease? TryLease()
    {
        lock (_leaseGate)
        {
            if (_closed)
            {
                return null;
            }

            _leases++;
        }

        try
        {
            return new Lease(this, Connect());
        }
        catch
        {
            Release();
            throw;
        }
    }

    /// <summary>Waits for running queries, checkpoints so the next start replays no WAL, and releases the instance.</summary>
    public void Close()
    {
        if (Writer is { } writer)
        {
            writer.Stop();
            writer.Stopped.GetAwaiter().GetResult();
        }

        lock (_leaseGate)
        {
            _closed = true;
            while (_leases > 0)
            {
                Monitor.Wait(_leaseGate);
            }
        }

        try
        {
            using var checkpoint = _anchor.CreateCommand();
            checkpoint.CommandText = "CHECKPOINT";
            checkpoint.ExecuteNonQuery();
        }
        finally
        {
            _anchor.Dispose();
        }
    }

    private DuckDBConnection Connect()
    {
        var connection = new DuckDBConnection(_connectionString);
        connection.Open();
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SET memory_limit = '{_options.MemoryLimit}'; SET threads = {_options.Threads}; "
                + $"SET checkpoint_threshold = '{_options.CheckpointThreshold}';";
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void Load()
    {
        using var command = _anchor.CreateCommand();
        command.CommandText = Schema;
        command.ExecuteNonQuery();

        command.CommandText = "SELECT agent, level, count(*), min(ts), max(ts) FROM logs GROUP BY agent, level";
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                Counters.Add(
                    reader.GetString(0), (Level)reader.GetByte(1), reader.GetInt64(2),
                    LogRows.Utc(reader.GetDateTime(3)), LogRows.Utc(reader.GetDateTime(4)));
            }
        }

        command.CommandText = "SELECT coalesce(max(seq), 0) FROM logs";
        NextSeq = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) + 1;
    }

    private void Release()
    {
        lock (_leaseGate)
        {
            _leases--;
            Monitor.PulseAll(_leaseGate);
        }
    }

    private static long Length(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : 0;
    }

    public sealed class Lease(DayFile file, DuckDBConnection connection) : IDisposable
    {
        public DayFile File => file;

        public DuckDBConnection Connection => connection;

        public void Dispose()
        {
            connection.Dispose();
            file.Release();
        }
    }
}
