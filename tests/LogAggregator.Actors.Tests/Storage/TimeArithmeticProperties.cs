using CsCheck;
using DuckDB.NET.Data;
using LogAggregator.Ingestion;
using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Storage.DuckDb;

namespace LogAggregator.Tests.Storage;

/// <summary>
/// The store's time arithmetic over the whole range .NET can hold, 0001-01-01 to 9999-12-31T23:59:59.9999999,
/// in every DateTimeKind: nothing throws, and every bound keeps its promise.
/// </summary>
public sealed class TimeArithmeticProperties
{
    private static readonly Gen<long> AnyTicks = Gen.OneOf(
        Gen.Long[DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks],
        Gen.Long[DateTime.MinValue.Ticks, DateTime.MinValue.Ticks + TimeSpan.TicksPerDay],
        Gen.Long[DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks],
        Gen.Const(DateTime.MinValue.Ticks), Gen.Const(DateTime.MaxValue.Ticks));

    private static readonly Gen<DateTime> AnyTime =
        Gen.Select(AnyTicks, Gen.Enum<DateTimeKind>(), (ticks, kind) => new DateTime(ticks, kind));

    private static readonly Gen<DateTime> StoredTime = AnyTicks.Select(t => new DateTime(t - t % 10, DateTimeKind.Utc));

    private static Gen<DateTime?> Maybe(Gen<DateTime> gen) => Gen.Frequency((1, Gen.Const((DateTime?)null)), (4, gen.Select(t => (DateTime?)t)));

    [Fact]
    public void Converting_any_time_to_utc_never_throws_and_keeps_utc_and_unspecified_ticks()
    {
        AnyTime.Sample(time =>
        {
            var utc = LogRows.ToUtc(time);
            Assert.Equal(DateTimeKind.Utc, utc.Kind);
            if (time.Kind != DateTimeKind.Local)
            {
                Assert.Equal(time.Ticks, utc.Ticks);
            }
        });
    }

    [Fact]
    public void Bounds_on_stored_times_agree_with_the_bounds_asked_for()
    {
        Gen.Select(StoredTime, AnyTicks).Sample((stored, boundTicks) =>
        {
            var bound = new DateTime(boundTicks, DateTimeKind.Utc);
            var ceiling = LogRows.StoredCeiling(bound);
            Assert.Equal(stored >= bound, ceiling is { } c1 && stored >= c1);
            Assert.Equal(stored < bound, ceiling is not { } c2 || stored < c2);
            Assert.Equal(stored, LogRows.Stored(stored));
        });
    }

    [Fact]
    public void The_time_window_never_throws_and_falls_inside_the_range_it_cuts()
    {
        Gen.Select(Gen.Select(AnyTicks, AnyTicks), Maybe(AnyTime), Maybe(AnyTime), Gen.Int[int.MinValue, int.MaxValue], Gen.Int[1, 1_000_000])
            .Sample((range, from, to, wanted, matching) =>
            {
                var (min, max) = (new DateTime(Math.Min(range.Item1, range.Item2), DateTimeKind.Utc), new DateTime(Math.Max(range.Item1, range.Item2), DateTimeKind.Utc));
                var counters = new DayCounters();
                counters.Add("CERBERUS", Level.Info, matching, min, max);
                var filter = new LogFilter(From: from, To: to);

                var cut = TimeWindow.Cut(counters, filter, wanted);

                if (cut is { } c)
                {
                    var low = from is { } f && LogRows.ToUtc(f) > min ? LogRows.ToUtc(f) : min;
                    var high = to is { } t && LogRows.ToUtc(t) < max ? LogRows.ToUtc(t) : max;
                    Assert.True(c > low && c <= high, $"cut {c:O} outside ({low:O}, {high:O}]");
                }
            });
    }

    [Fact]
    public void The_default_histogram_start_never_throws_and_spans_at_most_the_bucket_limit()
    {
        Gen.Select(StoredTime, Maybe(AnyTime), Gen.Enum<HistogramInterval>()).Sample((newest, to, interval) =>
        {
            var start = HistogramQuery.DefaultStart(newest, to, interval);
            if (start is { } s)
            {
                Assert.Equal(interval.Floor(s), s);
                Assert.True(s <= newest);
            }
        });
    }

    [Fact]
    public void DuckDB_buckets_every_storable_time_where_dotnet_floors_it()
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        Gen.Select(StoredTime, Gen.Enum<HistogramInterval>()).Sample((time, interval) =>
        {
            var width = (long)interval.Length().TotalMilliseconds;
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {HistogramQuery.BucketOf("$ts::TIMESTAMP", width)}";
            command.Parameters.Add(new DuckDBParameter("ts", time));
            var bucket = Convert.ToInt64(command.ExecuteScalar());

            Assert.Equal(interval.Floor(time), HistogramQuery.BucketStart(bucket, width));
        }, iter: 2_000);
    }

    [Fact]
    public void An_iso_timestamp_is_either_refused_or_read_as_the_instant_it_names()
    {
        Gen.Select(AnyTicks, Gen.Int[-14 * 60, 14 * 60]).Sample((ticks, offsetMinutes) =>
        {
            var local = new DateTime(ticks, DateTimeKind.Unspecified);
            var offset = TimeSpan.FromMinutes(offsetMinutes);
            var text = local.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture)
                + (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", System.Globalization.CultureInfo.InvariantCulture);
            var instant = (decimal)ticks - offset.Ticks;
            var representable = instant >= DateTime.MinValue.Ticks && instant <= DateTime.MaxValue.Ticks;

            Assert.Equal(representable, IsoTimestamps.TryParse(text, out var utc));
            if (representable)
            {
                Assert.Equal((long)instant, utc.Ticks);
                Assert.Equal(DateTimeKind.Utc, utc.Kind);
            }
        });
    }
}
