using LogAggregator.Model;

namespace LogAggregator.Storage;

/// <summary>
/// The entries around one entry from the same source and agent, in arrival order, which for a tailed file is
/// the order of its lines (timestamps may repeat or go backwards within a file). Both lists are newest first, as
/// every list of entries in the contract: <see cref="Before"/> starts with the entry just before the target,
/// <see cref="After"/> ends with the one just after it.
/// </summary>
public sealed record LogContext(IReadOnlyList<StoredEntry> Before, StoredEntry Target, IReadOnlyList<StoredEntry> After);

public enum HistogramInterval
{
    Minute,
    Hour,
    Day,
}

/// <summary>Non-empty buckets only, oldest first, each labelled by its start (UTC).</summary>
public sealed record Histogram(HistogramInterval Interval, IReadOnlyList<HistogramBucket> Buckets)
{
    /// <summary>
    /// How many buckets a range may span: enough for minute buckets over two weeks (a default 7-day store spans
    /// about 11,500 minutes), while minute buckets over a year (half a million) are refused.
    /// </summary>
    public const int MaxBuckets = 20_000;
}

/// <summary><see cref="ByLevel"/> holds only the levels that occur in the bucket.</summary>
public sealed record HistogramBucket(DateTime Time, long Count, IReadOnlyDictionary<Level, long> ByLevel);

/// <summary>The asked range spans more than <see cref="Histogram.MaxBuckets"/> buckets of the interval.</summary>
public sealed class HistogramTooWideException(HistogramInterval interval, long buckets)
    : Exception($"{buckets} {interval.Name()} buckets would be needed; at most {Histogram.MaxBuckets} are allowed — use a wider interval or a shorter range")
{
    public HistogramInterval Interval { get; } = interval;
}

/// <summary>ERROR, CRITICAL and FATAL entries of a time window, by agent (as sent) and by masked message.</summary>
public sealed record ErrorSummary(long TotalErrors, IReadOnlyDictionary<string, long> ByAgent, IReadOnlyList<ErrorPattern> TopErrors);

/// <summary>
/// One <see cref="MessagePatterns"/> pattern: how often it occurred, the agents (sorted) it came from, and one
/// message that produced it (the most frequent one).
/// </summary>
public sealed record ErrorPattern(string Pattern, long Count, IReadOnlyList<string> Agents, string Sample);

public static class HistogramIntervals
{
    public static TimeSpan Length(this HistogramInterval interval) => interval switch
    {
        HistogramInterval.Minute => TimeSpan.FromMinutes(1),
        HistogramInterval.Hour => TimeSpan.FromHours(1),
        HistogramInterval.Day => TimeSpan.FromDays(1),
        _ => throw new ArgumentOutOfRangeException(nameof(interval), interval, null),
    };

    /// <summary>The start of the bucket holding <paramref name="time"/>.</summary>
    public static DateTime Floor(this HistogramInterval interval, DateTime time) =>
        new(time.Ticks - time.Ticks % interval.Length().Ticks, DateTimeKind.Utc);

    public static string Name(this HistogramInterval interval) => interval.ToString().ToLowerInvariant();

    /// <summary>minute, hour or day, case-insensitive; nothing else (Enum.TryParse would take "1").</summary>
    public static bool TryParse(string text, out HistogramInterval interval)
    {
        foreach (var candidate in Enum.GetValues<HistogramInterval>())
        {
            if (text.Trim().Equals(candidate.Name(), StringComparison.OrdinalIgnoreCase))
            {
                interval = candidate;
                return true;
            }
        }

        interval = default;
        return false;
    }
}
