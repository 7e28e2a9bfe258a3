using System.Globalization;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// Splits the configured <c>memory_limit</c> across the open day files. Each file is its own DuckDB instance
/// whose buffer pool keeps what it read until its own limit, so with the whole limit each, a week of files
/// could hold seven times it. The file taking writes gets half, because its unflushed row groups live in
/// memory until the next checkpoint; past days are read-only and share the rest evenly.
/// </summary>
internal static class MemoryShares
{
    /// <summary>Below this DuckDB cannot run a scan with a few threads; with very many files the sum may exceed the limit.</summary>
    public const long Floor = 16L << 20;

    public static (long Writing, long Past) Split(long total, int pastFiles, bool writing)
    {
        if (pastFiles == 0)
        {
            return (Math.Max(Floor, total), 0);
        }

        var forPast = writing ? total / 2 : total;
        return (Math.Max(Floor, total - forPast), Math.Max(Floor, forPast / pastFiles));
    }

    /// <summary>
    /// The WAL a file may gather before DuckDB checkpoints it: the configured threshold, but at most a quarter of the
    /// file's memory share. Until a checkpoint the committed rows also sit in the buffer pool uncompressed; with a
    /// threshold near the share, a flood of large messages filled the pool and every commit failed ("failed to pin
    /// block") until the server was restarted (docs/BENCHMARKS.md "Floods").
    /// </summary>
    public static long CheckpointThreshold(long share, long configured) => Math.Min(configured, Math.Max(1L << 20, share / 4));

    /// <summary>As DuckDB's SET reads it; KiB keeps integer precision without relying on a bare byte unit.</summary>
    public static string Sql(long bytes) => (bytes / 1024).ToString(CultureInfo.InvariantCulture) + "KiB";

    /// <summary>Bytes of a size such as 512MB, 1.5GB or 2GiB (DuckDB's reading: MB = 1000², MiB = 1024²).</summary>
    public static long Parse(string size)
    {
        var text = size.Trim();
        var unitStart = text.Length;
        while (unitStart > 0 && char.IsLetter(text[unitStart - 1]))
        {
            unitStart--;
        }

        var number = double.Parse(text[..unitStart].Trim(), CultureInfo.InvariantCulture);
        var factor = text[unitStart..].ToUpperInvariant() switch
        {
            "B" => 1d,
            "KB" => 1e3,
            "MB" => 1e6,
            "GB" => 1e9,
            "TB" => 1e12,
            "KIB" => 1024d,
            "MIB" => 1024d * 1024,
            "GIB" => 1024d * 1024 * 1024,
            "TIB" => 1024d * 1024 * 1024 * 1024,
            var unit => throw new ArgumentException($"unknown size unit '{unit}' in '{size}'", nameof(size)),
        };
        return (long)(number * factor);
    }
}
