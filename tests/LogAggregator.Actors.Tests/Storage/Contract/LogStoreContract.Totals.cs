using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage.Contract;

/// <summary>
/// A page's total is exact whatever the store counts it from (per-day counters, per-minute counters, rows): pinned
/// here for ranges whose ends fall inside minutes, that span several arrival days, and over entries that arrived
/// days after their own timestamp's minute had been counted. The expected totals are counted from the entries the
/// test appended.
/// </summary>
public abstract partial class LogStoreContract
{
    private static readonly string[] TotalAgents = ["ATLAS", "Atlas", "HERMES", "CERBERUS"];

    [Fact]
    public async Task Page_totals_are_exact_for_ranges_cut_inside_minutes_across_days_and_late_arrivals()
    {
        var appended = await AppendTotalsWorkloadAsync();
        var ranges = new (DateTime? From, DateTime? To)[]
        {
            (T0.AddSeconds(17.25), T0.AddMinutes(3).AddSeconds(41.5)),
            (T0.AddMinutes(1), T0.AddMinutes(4)),
            (T0.AddSeconds(5), T0.AddSeconds(50)),
            (T0.AddMinutes(2).AddSeconds(59.999), T0.AddMinutes(3).AddMilliseconds(1)),
            (T0.AddHours(-3).AddSeconds(7), T0.AddDays(2).AddHours(5).AddSeconds(13)),
            (T0.AddHours(20).AddSeconds(30), T0.AddDays(2).AddSeconds(30)),
            (T0.AddMinutes(-10).AddSeconds(1), null),
            (null, T0.AddDays(1).AddMinutes(7).AddSeconds(3)),
            (T0.AddMinutes(5), T0.AddMinutes(5)),
        };
        var filters = new LogFilter[]
        {
            LogFilter.None,
            new(AgentKey: "ATLAS"),
            new(Level: Level.Error),
            new(AgentKey: "HERMES", Levels: [Level.Warning, Level.Critical]),
            new(Levels: [Level.Debug, Level.Fatal]),
        };

        foreach (var filter in filters)
        {
            foreach (var (from, to) in ranges)
            {
                var ranged = filter with { From = from, To = to };
                var expected = appended.Count(e => Matches(ranged, e));

                var page = await QueryAsync(ranged, limit: 3);

                Assert.True(expected == page.Total, $"{ranged}: expected {expected}, total {page.Total}");
                Assert.Equal(Math.Min(3, expected), page.Entries.Count);
            }
        }
    }

    [Fact]
    public async Task A_late_arrival_in_an_old_minute_counts_in_the_totals_that_cover_it()
    {
        await AppendAsync(Entry("on time", at: T0.AddMinutes(1).AddSeconds(10)));
        var range = new LogFilter(From: T0.AddSeconds(30), To: T0.AddMinutes(2).AddSeconds(30));
        Assert.Equal(1, (await QueryAsync(range)).Total);
        ArriveOnDay(3);

        await AppendAsync(
            Entry("late, same minute", at: T0.AddMinutes(1).AddSeconds(50)),
            Entry("late, edge minute inside", at: T0.AddSeconds(45)),
            Entry("late, edge minute outside", at: T0.AddSeconds(15)));

        var page = await QueryAsync(range);
        Assert.Equal(3, page.Total);
        Assert.Equal(["late, same minute", "on time", "late, edge minute inside"], Messages(page.Entries));
    }

    /// <summary>Entries over three arrival days, some minutes apart and many within one minute, some arriving late.</summary>
    private async Task<List<LogEntry>> AppendTotalsWorkloadAsync()
    {
        var random = new Random(20261203);
        var appended = new List<LogEntry>();
        for (var day = 0; day < 3; day++)
        {
            ArriveOnDay(day);
            var batch = new List<LogEntry>();
            var start = T0.AddDays(day);
            for (var i = 0; i < 150; i++)
            {
                // Most near the start of the arrival day (many per minute), some hours out, some in an earlier day's minutes.
                var at = (i % 5) switch
                {
                    0 => start.AddHours(random.Next(-4, 24)).AddMilliseconds(random.Next(0, 3_600_000)),
                    1 when day > 0 => T0.AddMilliseconds(random.Next(-60_000, 300_000)),
                    _ => start.AddMilliseconds(random.Next(-30_000, 300_000)),
                };
                batch.Add(Entry($"d{day} #{i}", TotalAgents[random.Next(TotalAgents.Length)], (Level)random.Next(6), at));
            }

            await Store.AppendAsync(batch, []);
            appended.AddRange(batch);
        }

        return appended;
    }

    private static bool Matches(LogFilter filter, LogEntry entry) =>
        (filter.AgentKey is null || string.Equals(filter.AgentKey, entry.AgentKey, StringComparison.OrdinalIgnoreCase))
        && filter.MatchesLevel(entry.Level)
        && (filter.From is not { } from || entry.Timestamp >= from)
        && (filter.To is not { } to || entry.Timestamp < to);
}
