using LogAggregator.Model;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// A lower time bound that lets DuckDB skip most of a file when only the newest rows are wanted. Rows are
/// appended in arrival order, so <c>ts</c> is nearly sorted and its zone maps exclude whole row groups; the
/// Top-N alone would still read every row group that holds a match. The window is sized from the counters,
/// assuming matches spread evenly over the file's time range, with room to spare.
/// </summary>
internal static class TimeWindow
{
    /// <summary>How many times the evenly spread estimate the window covers; a miss costs one more query.</summary>
    private const int Slack = 4;

    /// <summary>The bound, or null when it would not exclude anything worth skipping.</summary>
    public static DateTime? Cut(DayCounters counters, LogFilter filter, int wanted)
    {
        if (counters.Range is not { } range || wanted <= 0)
        {
            return null;
        }

        var matching = counters.Count(filter.AgentKey, filter.Level);
        var low = filter.From is { } from && LogRows.ToUtc(from) > range.Min ? LogRows.ToUtc(from) : range.Min;
        var high = filter.To is { } to && LogRows.ToUtc(to) < range.Max ? LogRows.ToUtc(to) : range.Max;
        if (matching == 0 || high <= low)
        {
            return null;
        }

        var span = (range.Max - range.Min).Ticks;
        var needed = span * Math.Min(1.0, (double)wanted * Slack / matching) + TimeSpan.TicksPerSecond;
        var cut = high.AddTicks(-(long)Math.Min(needed, (high - low).Ticks));
        return cut > low ? cut : null;
    }
}
