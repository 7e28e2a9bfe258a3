using System.Text.RegularExpressions;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// Where the day files live (<c>{Directory}/logs/yyyy-MM-dd.duckdb</c>) and DuckDB's resource knobs.
/// Every day file is its own DuckDB instance, so <see cref="MemoryLimit"/> and <see cref="Threads"/> bound
/// each open file, not the process as a whole. <see cref="CheckpointThreshold"/> is how much WAL a file
/// gathers before DuckDB folds it into the file: at DuckDB's 16MB default, group commits of a few thousand
/// rows spent most of their time re-checkpointing half-filled row groups (150k rows/s against 390k at
/// 256MB); the price is a longer WAL replay after a crash.
/// </summary>
public sealed partial record DuckDbLogStoreOptions(
    string Directory, string MemoryLimit = "512MB", int Threads = 2, string CheckpointThreshold = DuckDbLogStoreOptions.DefaultCheckpointThreshold)
{
    /// <summary>The checkpoint threshold a server runs with unless its HOCON says otherwise.</summary>
    public const string DefaultCheckpointThreshold = "256MB";

    public string LogsDirectory => Path.Combine(Path.GetFullPath(Directory), "logs");

    /// <summary>
    /// A day file whose writer has had nothing to append for <see cref="IdleCheckpointAfter"/> checkpoints once its WAL
    /// holds <see cref="IdleCheckpointWal"/> bytes or more: a bulk load that has ended is compressed into the file
    /// then, rather than staying in memory uncompressed (and in the WAL, to replay after a crash) until the 256MB
    /// threshold or the stop, and queries read the compressed rows (docs/BENCHMARKS.md, "2026-12-04 10:20–11:12 UTC"). A WAL
    /// smaller than that (a trickle of lines) waits for the threshold as before: each checkpoint rewrites the day's
    /// last row group. The checkpoint keeps both cores busy for about a second per 1M rows, and queries meanwhile take
    /// about three times as long; five quiet seconds are taken as the end of a load, not a pause in it.
    /// </summary>
    public TimeSpan IdleCheckpointAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <inheritdoc cref="IdleCheckpointAfter"/>
    public long IdleCheckpointWal { get; init; } = 16L << 20;

    /// <summary>SET cannot take parameters, so the values are checked before they reach SQL text.</summary>
    internal void Validate()
    {
        if (!SizeFormat().IsMatch(MemoryLimit))
        {
            throw new ArgumentException($"memory_limit '{MemoryLimit}' is not a size such as 512MB or 2GiB", nameof(MemoryLimit));
        }

        if (!SizeFormat().IsMatch(CheckpointThreshold))
        {
            throw new ArgumentException(
                $"checkpoint_threshold '{CheckpointThreshold}' is not a size such as 256MB", nameof(CheckpointThreshold));
        }

        if (Threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "threads must be at least 1");
        }
    }

    [GeneratedRegex(@"^\d+(\.\d+)?\s*([KMGT]i?)?B$", RegexOptions.IgnoreCase)]
    private static partial Regex SizeFormat();
}
