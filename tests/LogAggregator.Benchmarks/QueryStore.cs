using System.Diagnostics;
using System.Globalization;
using System.Text;
using LogAggregator.Model;
using LogAggregator.Storage.DuckDb;

namespace LogAggregator.Benchmarks;

/// <summary>
/// The store the query benchmark reads: seven day files written straight through <see cref="DuckDbLogStore"/>
/// (no HTTP, no parsing), one per UTC arrival day ending today, so retention keeps them all; and the same
/// entries as one plain text file for grep. Built once per size and day, then reused.
/// </summary>
public sealed record QueryStore(string Directory, long Entries, DateOnly FirstDay, DateOnly LastDay)
{
    public const int Days = 7;

    /// <summary>In a handful of entries of the oldest day only, so a search for it must read every file.</summary>
    public const string RareLiteral = "qbz7raretoken";

    public const int RareCount = 5;

    public string PlainFile => Path.Combine(Directory, "entries.txt");

    private string Marker => Path.Combine(Directory, "built.txt");

    public static async Task<QueryStore> OpenOrBuildAsync(string directory, long entries)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var store = new QueryStore(Path.GetFullPath(directory), entries, today.AddDays(-(Days - 1)), today);
        if (File.Exists(store.Marker) && File.ReadAllText(store.Marker).Trim() == store.MarkerText)
        {
            Console.WriteLine($"reusing {store.Directory} ({entries:N0} entries, {store.FirstDay:yyyy-MM-dd} … {store.LastDay:yyyy-MM-dd})");
            return store;
        }

        if (System.IO.Directory.Exists(store.Directory))
        {
            System.IO.Directory.Delete(store.Directory, recursive: true);
        }

        System.IO.Directory.CreateDirectory(store.Directory);
        var clock = Stopwatch.StartNew();
        await store.BuildAsync();
        Console.WriteLine($"built {entries:N0} entries in {clock.Elapsed.TotalSeconds:0.0} s into {store.Directory}");
        File.WriteAllText(store.Marker, store.MarkerText);
        return store;
    }

    private string MarkerText => Invariant($"{Entries} {FirstDay:yyyy-MM-dd} {LastDay:yyyy-MM-dd}");

    private async Task BuildAsync()
    {
        const int batchSize = 50_000;
        var arrival = new SettableClock();
        await using var plain = PlainWriter();
        await using (var store = new DuckDbLogStore(new DuckDbLogStoreOptions(Directory, MemoryLimit: "1GB"), arrival))
        {
            foreach (var (day, count, entries) in GenerateDays())
            {
                arrival.Now = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddHours(12);
                Task<IReadOnlyList<string>>? pending = null;
                var batch = new List<LogEntry>(batchSize);
                foreach (var entry in entries)
                {
                    batch.Add(entry);
                    WritePlain(plain, entry);
                    if (batch.Count == batchSize)
                    {
                        // Generate the next batch while the writer commits this one.
                        if (pending is not null)
                        {
                            await pending;
                        }

                        pending = store.AppendAsync(batch, []);
                        batch = new List<LogEntry>(batchSize);
                    }
                }

                if (pending is not null)
                {
                    await pending;
                }

                if (batch.Count > 0)
                {
                    await store.AppendAsync(batch, []);
                }

                Console.WriteLine($"  {day:yyyy-MM-dd}: {count:N0} entries");
            }
        }
    }

    /// <summary>
    /// The entries of each day in order, the same for every store that is built (DuckDB day files, PostgreSQL day
    /// partitions); each day's entries must be read before the next day's, since they share one generator.
    /// </summary>
    public IEnumerable<(DateOnly Day, long Count, IEnumerable<LogEntry> Entries)> GenerateDays()
    {
        var generator = new LineGenerator();
        var agentRandom = new Random(7);
        var sources = LineGenerator.Agents.Select(a => $"/var/log/fleet/{a.ToLowerInvariant()}.log").ToArray();
        var perDay = Entries / Days;
        var now = DateTime.UtcNow;
        for (var d = 0; d < Days; d++)
        {
            var day = FirstDay.AddDays(d);
            var start = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            // Today's entries end now: none is stamped in the future.
            var end = d == Days - 1 ? now : start.AddDays(1);
            var count = d == Days - 1 ? Entries - perDay * (Days - 1) : perDay;
            yield return (day, count, DayEntries(generator, agentRandom, sources, d == 0, start, end, count));
        }
    }

    private static IEnumerable<LogEntry> DayEntries(
        LineGenerator generator, Random agentRandom, string[] sources, bool oldest, DateTime start, DateTime end, long count)
    {
        var step = (end - start).Ticks / Math.Max(1, count);
        var rareEvery = count / (RareCount + 1);
        for (long i = 0; i < count; i++)
        {
            // Skewed as in the ingest workload: a few chatty agents write most entries.
            var agent = (int)(LineGenerator.Agents.Length * Math.Pow(agentRandom.NextDouble(), 2));
            var entry = generator.NextEntry(LineGenerator.Agents[agent], sources[agent], new DateTime(start.Ticks + i * step, DateTimeKind.Utc));
            if (oldest && i > 0 && i % rareEvery == 0 && i / rareEvery <= RareCount)
            {
                entry = entry with { Level = Level.Info, Message = $"Audit: key {RareLiteral} rotated by operator {i}" };
            }

            yield return entry;
        }
    }

    /// <summary>The plain text file grep reads: the same entries, one line each.</summary>
    public StreamWriter PlainWriter() => new(PlainFile, false, new UTF8Encoding(false), 1 << 20);

    public static void WritePlain(StreamWriter plain, LogEntry entry)
    {
        plain.Write(entry.Timestamp.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        plain.Write(' ');
        plain.Write(entry.Level.Name());
        plain.Write(' ');
        plain.Write(entry.Agent);
        plain.Write(' ');
        plain.Write(entry.Message);
        plain.Write('\n');
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed class SettableClock : TimeProvider
    {
        public DateTime Now { get; set; } = DateTime.UtcNow;

        public override DateTimeOffset GetUtcNow() => new(Now, TimeSpan.Zero);
    }
}
