using LogAggregator.Model;
using Npgsql;

namespace LogAggregator.Storage.Postgres;

public sealed partial class PostgresLogStore
{
    /// <summary>
    /// Buckets of <paramref name="width"/> microseconds (a whole number of minutes). The whole minutes of the range are
    /// summed from <c>log_minutes</c>, which the appends keep; only the partial minutes at its two ends are counted
    /// from the entries. Null when the range holds no storable time.
    /// </summary>
    private async Task<IReadOnlyList<HistogramBucket>?> HistogramAsync(LogFilter filter, long width, CancellationToken cancellationToken)
    {
        if (filter.From is { } f && PostgresRows.Ceiling(f) is null)
        {
            return null;
        }

        var lo = filter.From is { } from ? PostgresRows.Ceiling(from)!.Value : 0;
        var hi = filter.To is { } to && PostgresRows.Ceiling(to) is { } end ? end : PostgresRows.EndOfTime;
        var firstMinute = (lo + PostgresRows.MicrosPerMinute - 1) / PostgresRows.MicrosPerMinute;
        var endMinute = hi / PostgresRows.MicrosPerMinute;
        var buckets = new SortedDictionary<long, Dictionary<Level, long>>();
        if (firstMinute >= endMinute)
        {
            await CountEntriesAsync(filter, width, buckets, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var wholeFrom = firstMinute * PostgresRows.MicrosPerMinute;
            var wholeTo = endMinute * PostgresRows.MicrosPerMinute;
            if (lo < wholeFrom)
            {
                await CountEntriesAsync(filter with { To = PostgresRows.Time(wholeFrom) }, width, buckets, cancellationToken).ConfigureAwait(false);
            }

            if (wholeTo < hi)
            {
                await CountEntriesAsync(filter with { From = PostgresRows.Time(wholeTo) }, width, buckets, cancellationToken).ConfigureAwait(false);
            }

            await using var command = Command("");
            command.Parameters.Add(new NpgsqlParameter<long>("first_minute", firstMinute));
            command.Parameters.Add(new NpgsqlParameter<long>("end_minute", endMinute));
            command.CommandText = $"SELECT minute / {width / PostgresRows.MicrosPerMinute}, level, sum(count)::bigint FROM log_minutes "
                + $"{CountsWhere(filter, command)} AND minute >= @first_minute AND minute < @end_minute GROUP BY 1, 2";
            await AddBucketsAsync(command, buckets, cancellationToken).ConfigureAwait(false);
        }

        return buckets.Select(b => new HistogramBucket(PostgresRows.Time(b.Key * width), b.Value.Values.Sum(), b.Value)).ToList();
    }

    private async Task CountEntriesAsync(
        LogFilter filter, long width, SortedDictionary<long, Dictionary<Level, long>> buckets, CancellationToken cancellationToken)
    {
        await using var command = Command("");
        command.CommandText = $"SELECT ts / {width}, level, count(*) FROM log_entries {PostgresRows.Where(filter, command)} GROUP BY 1, 2";
        await AddBucketsAsync(command, buckets, cancellationToken).ConfigureAwait(false);
    }

    private static async Task AddBucketsAsync(
        NpgsqlCommand command, SortedDictionary<long, Dictionary<Level, long>> buckets, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var bucket = reader.GetInt64(0);
            if (!buckets.TryGetValue(bucket, out var byLevel))
            {
                byLevel = [];
                buckets[bucket] = byLevel;
            }

            var level = (Level)reader.GetInt16(1);
            byLevel[level] = byLevel.GetValueOrDefault(level) + reader.GetInt64(2);
        }
    }
}
