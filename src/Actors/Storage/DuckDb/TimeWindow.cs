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

    /// <summary>
    /// The bound, or null when it would not exclude anything worth skipping. Never throws, whatever the stored
    /// timestamps and the filter; when it is not null it lies after the filter's lower bound (or the file's oldest entry).
    /// </summary>
    public static DateTime? Cut(DayCounters counters, LogFilter filter, int wanted)
    {
        if (counters.Range is not { } range || wanted <= 0)
        {
            return null;
        }

        var matching = counters.Count(filter);
        var low = filter.From is { } from && LogRows.ToUtc(from) > range.Min ? LogRows.ToUtc(from) : range.Min;
        var high = filter.To is { } to && LogRows.ToUtc(to) < range.Max ? LogRows.ToUtc(to) : range.Max;
        if (matching == 0 || high <= low)
        {
            return null;
        }

        // In whole ticks: a file may span the whole calendar (0001 to 9999, 3.2e18 ticks), where a double is off by
        // hundreds of ticks and the cut could fall before 0001-01-01.
        var span = (range.Max - range.Min).Ticks;
        var evenShare = (long)wanted * Slack >= matching ? span : (long)((decimal)span * wanted * Slack / matching);
        var needed = Math.Min(evenShare + TimeSpan.TicksPerSecond, (high - low).Ticks);
        var cut = new DateTime(high.Ticks - needed, DateTimeKind.Utc);
        return cut > low ? cut : null;
    }

    /// <summary>About how many of the file's rows are at least as new as <paramref name="cut"/>, were times spread evenly.</summary>
    public static long Rows(DayCounters counters, DateTime cut)
    {
        if (counters.Range is not { } range || range.Max <= range.Min)
        {
            return counters.Total;
        }

        var share = (decimal)Math.Clamp((range.Max - cut).Ticks, 0, (range.Max - range.Min).Ticks) / (range.Max - range.Min).Ticks;
        return (long)(counters.Total * share);
    }
}
