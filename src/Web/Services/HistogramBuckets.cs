using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Web.Services;

/// <summary>
/// A histogram of about N even buckets over a range, for a chart: the width is the first round width (1, 2, 5, 10,
/// 15, 30 minutes, 1, 2, 3, 6, 12 hours, 1, 2, 7, 14, 30, 60, 90, 180, 365 days, then whole years) at or above the
/// range over N, and the store's minute, hour or day buckets are summed into it. Buckets are aligned to their width
/// (counted from 0001-01-01, as the store's are), so the first and last may be partly outside the range; only
/// entries inside it are counted.
/// </summary>
public static class HistogramBuckets
{
    public const int MaxCount = 1000;

    private static readonly TimeSpan[] RoundWidths =
    [
        .. new[] { 1, 2, 5, 10, 15, 30 }.Select(m => TimeSpan.FromMinutes(m)),
        .. new[] { 1, 2, 3, 6, 12 }.Select(h => TimeSpan.FromHours(h)),
        .. new[] { 1, 2, 7, 14, 30, 60, 90, 180, 365 }.Select(d => TimeSpan.FromDays(d)),
    ];

    /// <summary>
    /// The bucket width and the store interval to read it from, needing at most <see cref="Histogram.MaxBuckets"/>
    /// minute or hour reads. Day reads are the coarsest there are: the store narrows them to the days holding entries,
    /// and refuses (<see cref="HistogramTooWideException"/>) only when those span more than 54 years.
    /// </summary>
    public static (TimeSpan Width, HistogramInterval Read) Plan(DateTime from, DateTime to, int count)
    {
        var least = (to - from) / count;
        var year = TimeSpan.FromDays(365);
        var widths = RoundWidths.Concat(Enumerable.Range(2, int.MaxValue - 2).Select(k => year * k));
        foreach (var width in widths.Where(w => w >= least))
        {
            var read = width.Ticks % TimeSpan.TicksPerDay == 0 ? HistogramInterval.Day
                : width.Ticks % TimeSpan.TicksPerHour == 0 ? HistogramInterval.Hour
                : HistogramInterval.Minute;
            if (read == HistogramInterval.Day || Count(from, to, read.Length()) <= Histogram.MaxBuckets)
            {
                return (width, read);
            }
        }

        throw new InvalidOperationException("unreachable: whole years are read by day");
    }

    /// <summary>Every bucket of <paramref name="width"/> from the one holding <paramref name="from"/> to the one before <paramref name="to"/>, empty ones included.</summary>
    public static IReadOnlyList<HistogramBucket> Merge(Histogram read, TimeSpan width, DateTime from, DateTime to)
    {
        var first = Floor(from, width);
        var buckets = new long[Count(from, to, width), Levels.All.Count];
        foreach (var bucket in read.Buckets)
        {
            var index = (Floor(bucket.Time, width) - first).Ticks / width.Ticks;
            if (index < 0 || index >= buckets.GetLength(0))
            {
                continue;
            }

            foreach (var (level, n) in bucket.ByLevel)
            {
                buckets[index, (int)level] += n;
            }
        }

        var result = new List<HistogramBucket>(buckets.GetLength(0));
        for (var i = 0; i < buckets.GetLength(0); i++)
        {
            var byLevel = new Dictionary<Level, long>();
            foreach (var level in Levels.All)
            {
                if (buckets[i, (int)level] > 0)
                {
                    byLevel[level] = buckets[i, (int)level];
                }
            }

            result.Add(new HistogramBucket(first + width * i, byLevel.Values.Sum(), byLevel));
        }

        return result;
    }

    /// <summary>"5m", "2h", "7d": the width in its largest whole unit.</summary>
    public static string Name(TimeSpan width) =>
        width.Ticks % TimeSpan.TicksPerDay == 0 ? $"{width.Ticks / TimeSpan.TicksPerDay}d"
        : width.Ticks % TimeSpan.TicksPerHour == 0 ? $"{width.Ticks / TimeSpan.TicksPerHour}h"
        : $"{width.Ticks / TimeSpan.TicksPerMinute}m";

    private static DateTime Floor(DateTime time, TimeSpan width) => new(time.Ticks - time.Ticks % width.Ticks, DateTimeKind.Utc);

    private static int Count(DateTime from, DateTime to, TimeSpan width) =>
        (int)Math.Min(int.MaxValue, (Floor(to.AddTicks(-1), width) - Floor(from, width)).Ticks / width.Ticks + 1);
}
