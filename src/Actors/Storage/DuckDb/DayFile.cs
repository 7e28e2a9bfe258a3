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
    /// <summary>
    /// Messages are most of a day's bytes; DuckDB's default for them (FSST) kept 1M peer-benchmark messages in
    /// 15.5 MiB, zstd in 12.5 (docs/BENCHMARKS.md, "Where the bytes go"). DuckDB never picks zstd for strings this
    /// short by itself, hence the clause; a file made before it (no clause, older storage version) keeps FSST.
    /// </summary>
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS logs (
            seq BIGINT NOT NULL, ts TIMESTAMP NOT NULL, level UTINYINT NOT NULL, agent VARCHAR NOT NULL,
            agent_key VARCHAR NOT NULL, message VARCHAR NOT NULL USING COMPRESSION zstd, source VARCHAR NOT NULL,
            metadata VARCHAR NOT NULL);
        CREATE TABLE IF NOT EXISTS source_marks (
            source_key VARCHAR NOT NULL, agent_key VARCHAR NOT NULL, file_identity VARCHAR NOT NULL,
            end_offset BIGINT NOT NULL, PRIMARY KEY (source_key, agent_key));
        """;

    /// <summary>The DuckDB storage version new day files are written with: the first that stores zstd strings.</summary>
    internal const string StorageVersion = "v1.2.0";

    private readonly string _connectionString;
    private readonly DuckDbLogStoreOptions _options;
    private DuckDBConnection _anchor;
    private readonly object _leaseGate = new();
    private int _leases;
    private bool _closed;
    private bool _reopening;
    private readonly long _checkpointThreshold;
    /// <summary>This file's share of the memory limit in bytes, and the share its instance was last given (-1: none yet).</summary>
    private long _memoryLimit;
    private long _appliedMemoryLimit = -1;
    private volatile bool _configured;

    private DayFile(DateOnly day, string path, DuckDbLogStoreOptions options, long memoryLimit)
    {
        Day = day;
        Path = path;
        IdPrefix = LogIds.Prefix(day);
        _options = options;
        _checkpointThreshold = MemoryShares.Parse(options.CheckpointThreshold);
        _memoryLimit = memoryLimit;
        // zstd needs storage version v1.2.0 or later; DuckDB writes new files as v0.10.2 unless told, and a column
        // asking for zstd in such a file is stored uncompressed. An existing file keeps the version it was made with.
        _connectionString = $"DataSource={path};memory_limit={MemoryShares.Sql(memoryLimit)};threads={options.Threads};storage_compatibility_version={StorageVersion}";
        _anchor = Connect();
    }

    public DateOnly Day { get; }

    public string Path { get; }

    public string Name => FileName(Day);

    public string IdPrefix { get; }

    public DayCounters Counters { get; } = new();

    /// <summary>Per block of arrival order, what each (agent, level) holds; lets a page read only the newest blocks.</summary>
    public ArrivalBlocks Arrivals { get; } = new();

    /// <summary>Lets a search skip blocks of rows that cannot contain its text; built in the background.</summary>
    public BigramIndex Index { get; } = new();

    /// <summary>A past day's histogram counts by (interval, agent, level); see <see cref="HistogramQuery"/>.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<(HistogramInterval, string?, int LevelMask), (DateTime Time, Level Level, long Count)[]> Histograms { get; } = new();

    /// <summary>Kept between error summaries; see <see cref="ErrorSummaryQuery"/>.</summary>
    public ErrorTallyCache ErrorTallies { get; } = new();

    /// <summary>The seq the next appended row gets; only the writer moves it.</summary>
    public long NextSeq { get; set; } = 1;

    /// <summary>Set while this file takes writes; closing the file drains it first.</summary>
    public DayWriter? Writer { get; set; }

    /// <summary>The writer's connection. Nothing else may use it.</summary>
    public DuckDBConnection WriterConnection => _anchor;

    /// <summary>
    /// Set by the writer when DuckDB invalidated this file's instance (a FATAL error such as a checkpoint that could
    /// not be written); the writer reopens it before its next commit. Only the writer thread reads or writes it.
    /// </summary>
    public bool NeedsReopen { get; set; }

    public long SizeBytes => Length(Path) + WalBytes;

    /// <summary>What is committed and not yet checkpointed into the file.</summary>
    public long WalBytes => Length(Path + ".wal");

    public DuckDbLogStoreOptions Options => _options;

    public static string FileName(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ".duckdb";

    public static bool TryParseName(string fileName, out DateOnly day) =>
        DateOnly.TryParseExact(
            System.IO.Path.GetFileNameWithoutExtension(fileName), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);

    /// <summary>Opens or creates the file, and counts what it already holds: the only full scan it ever gets.</summary>
    public static DayFile Open(string directory, DateOnly day, DuckDbLogStoreOptions options, long memoryLimit)
    {
        var file = new DayFile(day, System.IO.Path.Combine(directory, FileName(day)), options, memoryLimit);
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
            while (_reopening)
            {
                Monitor.Wait(_leaseGate);
            }

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

    /// <summary>
    /// Gives the file's DuckDB instance a new buffer-pool limit (a setting of the instance, so any connection may
    /// set it). A limit below what the pool holds now may be refused; the next query's connection retries it.
    /// </summary>
    public void LimitMemory(long bytes)
    {
        Interlocked.Exchange(ref _memoryLimit, bytes);
        using var lease = TryLease();
    }

    /// <summary>
    /// Waits for running queries, checkpoints so the next start replays no WAL, and releases the instance. A checkpoint
    /// that fails (a full disk) is left to the next start: every committed transaction is in the WAL, which DuckDB
    /// replays when it opens the file.
    /// </summary>
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
        catch (Exception e) when (e is DuckDBException or InvalidOperationException or ObjectDisposedException)
        {
            // See above: the WAL keeps what the checkpoint could not write (or a reopen could not open the file).
        }
        finally
        {
            _anchor.Dispose();
        }
    }

    /// <summary>
    /// Replaces an invalidated DuckDB instance by a fresh one. DuckDB.NET shares one instance per path while any
    /// connection to it is open, so queries are held back until every lease is returned and the anchor is closed;
    /// opening the file again replays its WAL. Throws, leaving <see cref="NeedsReopen"/> to the caller, while the
    /// disk still refuses the writes that replay needs.
    /// </summary>
    public void Reopen()
    {
        lock (_leaseGate)
        {
            _reopening = true;
            while (_leases > 0)
            {
                Monitor.Wait(_leaseGate);
            }
        }

        try
        {
            _anchor.Dispose();
            _configured = false;
            Interlocked.Exchange(ref _appliedMemoryLimit, -1);
            _anchor = Connect();
            // A commit reported as failed may still have reached the WAL: ids continue after what is really there,
            // and rows of that commit are summarised too, so every row below the newest block is in a block.
            NextSeq = Arrivals.Load(_anchor) + 1;
        }
        finally
        {
            lock (_leaseGate)
            {
                _reopening = false;
                Monitor.PulseAll(_leaseGate);
            }
        }
    }

    private DuckDBConnection Connect()
    {
        var connection = new DuckDBConnection(_connectionString);
        connection.Open();
        try
        {
            // Settings belong to the instance, not the connection: applied once, and the limit again when it changed,
            // so a query's connection costs no statements.
            using var command = connection.CreateCommand();
            if (!_configured)
            {
                command.CommandText = $"SET threads = {_options.Threads};";
                command.ExecuteNonQuery();
                _configured = true;
            }

            var limit = Interlocked.Read(ref _memoryLimit);
            if (limit != Interlocked.Read(ref _appliedMemoryLimit))
            {
                // The checkpoint threshold follows the file's share of the memory limit; see MemoryShares.CheckpointThreshold.
                var threshold = MemoryShares.CheckpointThreshold(limit, _checkpointThreshold);
                command.CommandText = $"SET checkpoint_threshold = '{MemoryShares.Sql(threshold)}'; SET memory_limit = '{MemoryShares.Sql(limit)}';";
                try
                {
                    command.ExecuteNonQuery();
                    Interlocked.Exchange(ref _appliedMemoryLimit, limit);
                }
                catch (DuckDBException)
                {
                    // More is cached than the new share allows and none of it could be evicted now; the next connection retries.
                }
            }

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

        // One scan gives the arrival blocks, the counters and the next seq.
        NextSeq = Arrivals.Load(_anchor, Counters) + 1;
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
