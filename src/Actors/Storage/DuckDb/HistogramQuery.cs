using LogAggregator.Model;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// Each day file groups its own rows by (bucket, level) in DuckDB and hands back at most a few thousand rows;
/// the buckets of different files (a late entry lands in the next arrival day) are summed here.
/// </summary>
internal static class HistogramQuery
{
    /// <summary>
    /// Bucketing milliseconds counted from 0001-01-01 (.NET's own epoch) with integer division runs twice as fast
    /// as date_trunc (22 against 93 ms on a 1.4M-row day file), and unlike milliseconds from 1970 the count is
    /// never negative, so // floors for every timestamp .NET can hold.
    /// </summary>
    private const long MillisecondsBeforeUnixEpoch = 62_135_596_800_000;

    public static Histogram Run(DayFile[] candidates, LogFilter filter, HistogramInterval interval, CancellationToken cancellationToken)
    {
        var files = candidates.Where(f => f.Counters.Count(filter.AgentKey, filter.Level) > 0).ToArray();
        GuardWidth(files, filter, interval);

        var buckets = new SortedDictionary<DateTime, long[]>();
        var width = (long)interval.Length().TotalMilliseconds;
        foreach (var file in files)
        {
            using var lease = file.TryLease();
            if (lease is null)
            {
                continue;
            }

            using var command = lease.Connection.CreateCommand();
            var where = LogRows.Where(filter, command);
            command.CommandText = $"SELECT (epoch_ms(ts) + {MillisecondsBeforeUnixEpoch}) // {width} AS bucket, level, count(*) FROM logs {where} GROUP BY ALL";
            using var cancel = cancellationToken.Register(command.Cancel);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var time = new DateTime(reader.GetInt64(0) * width * TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
                if (!buckets.TryGetValue(time, out var byLevel))
                {
                    byLevel = new long[Levels.All.Count];
                    buckets[time] = byLevel;
                }

                byLevel[reader.GetByte(1)] += reader.GetInt64(2);
            }
        }

        return new Histogram(interval, buckets.Select(b => Bucket(b.Key, b.Value)).ToList());
    }

    /// <summary>
    /// Refuses before scanning when the range could need more than <see cref="Histogram.MaxBuckets"/> buckets. An
    /// open end is taken from the stored entries, so minute buckets over a whole week's store still pass.
    /// </summary>
    private static void GuardWidth(DayFile[] files, LogFilter filter, HistogramInterval interval)
    {
        var ranges = files.Select(f => f.Counters.Range).OfType<(DateTime Min, DateTime Max)>().ToArray();
        if (ranges.Length == 0)
        {
            return;
        }

        var low = ranges.Min(r => r.Min);
        var high = ranges.Max(r => r.Max);
        if (filter.From is { } from && LogRows.ToUtc(from) > low)
        {
            low = LogRows.ToUtc(from);
        }

        if (filter.To is { } to && LogRows.ToUtc(to).AddTicks(-1) < high)
        {
            high = LogRows.ToUtc(to).AddTicks(-1);
        }

        if (high < low)
        {
            return;
        }

        var buckets = (interval.Floor(high) - interval.Floor(low)).Ticks / interval.Length().Ticks + 1;
        if (buckets > Histogram.MaxBuckets)
        {
            throw new HistogramTooWideException(interval, buckets);
        }
    }

    private static HistogramBucket Bucket(DateTime time, long[] byLevel)
    {
        var levels = new Dictionary<Level, long>();
        for (var l = 0; l < byLevel.Length; l++)
        {
            if (byLevel[l] > 0)
            {
                levels[(Level)l] = byLevel[l];
            }
        }

        return new HistogramBucket(time, byLevel.Sum(), levels);
    }
}
