using System.Diagnostics;
using System.Globalization;
using LogAggregator.Model;
using LogAggregator.Storage.Postgres;
using Npgsql;

namespace LogAggregator.Benchmarks;

/// <summary>
/// The query benchmark's entries (<see cref="QueryStore.GenerateDays"/>, the same as the DuckDB store's) in a
/// fresh database of the benchmark's PostgreSQL, loaded the fastest honest way, untimed: the store's own schema
/// and day partitions, its secondary indexes dropped, each day's rows by binary COPY (the store's row encoding),
/// the indexes rebuilt from their own definitions, the counters the store keeps filled from the rows, then
/// VACUUM ANALYZE (what autovacuum would do to these insert-only tables later, in the middle of the timings).
/// The server then finds the database as if it had ingested the entries itself.
/// </summary>
public static class PostgresQueryStore
{
    private const int BatchSize = 50_000;

    /// <summary>Loads the entries and writes the plain file grep reads into <paramref name="directory"/>; the connection string.</summary>
    public static async Task<(QueryStore Store, string ConnectionString)> BuildAsync(string directory, long entries)
    {
        Directory.CreateDirectory(directory);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var store = new QueryStore(Path.GetFullPath(directory), entries, today.AddDays(-(QueryStore.Days - 1)), today);
        var days = Enumerable.Range(0, QueryStore.Days).Select(store.FirstDay.AddDays).ToList();
        var total = Stopwatch.StartNew();
        await using var dataSource = await PostgresBench.SchemaAsync(days);
        var indexes = await SecondaryIndexesAsync(dataSource);
        foreach (var (name, _) in indexes)
        {
            await PostgresBench.ExecuteAsync(dataSource, $"DROP INDEX {name}");
        }

        var clock = Stopwatch.StartNew();
        await CopyAsync(dataSource, store);
        Console.WriteLine(Invariant($"copied {entries:N0} rows in {clock.Elapsed.TotalSeconds:0.0} s (primary key only)"));

        // Two builds at a time, one per core: the trigram GIN (the slow one) beside the others in turn.
        await Task.WhenAll(
            BuildIndexesAsync(dataSource, indexes.Where(i => i.Name == PostgresBench.TrigramIndex)),
            BuildIndexesAsync(dataSource, indexes.Where(i => i.Name != PostgresBench.TrigramIndex)));

        clock.Restart();
        await PostgresBench.ExecuteAsync(dataSource, Invariant($"""
            INSERT INTO log_counts (day, agent, agent_key, level, count, min_ts, max_ts)
                SELECT day, agent, agent_key, level, count(*), min(ts), max(ts) FROM log_entries GROUP BY day, agent, agent_key, level;
            INSERT INTO log_minutes (day, minute, agent_key, level, count)
                SELECT day, ts / {PostgresRows.MicrosPerMinute}, agent_key, level, count(*) FROM log_entries GROUP BY 1, 2, 3, 4;
            INSERT INTO log_day_agents (day, agent_key) SELECT DISTINCT day, agent_key FROM log_entries;
            SELECT setval('log_entry_seq', {entries});
            """));
        Console.WriteLine(Invariant($"counters filled in {clock.Elapsed.TotalSeconds:0.0} s"));
        clock.Restart();
        await PostgresBench.ExecuteAsync(dataSource, "VACUUM ANALYZE");
        Console.WriteLine(Invariant($"VACUUM ANALYZE in {clock.Elapsed.TotalSeconds:0.0} s; loaded in {total.Elapsed.TotalSeconds:0.0} s"));
        await PrintSizesAsync(dataSource);
        return (store, dataSource.ConnectionString);
    }

    /// <summary>The parent table's indexes but its primary key, with the statements that make them again.</summary>
    private static async Task<List<(string Name, string Definition)>> SecondaryIndexesAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'log_entries' AND indexname <> 'log_entries_pkey'");
        var indexes = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            // The catalog reads a partitioned index as "ON ONLY parent", which would leave out the partitions.
            indexes.Add((reader.GetString(0), reader.GetString(1).Replace(" ON ONLY ", " ON ", StringComparison.Ordinal)));
        }

        return indexes;
    }

    private static async Task CopyAsync(NpgsqlDataSource dataSource, QueryStore store)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var plain = store.PlainWriter();
        long seq = 0;
        foreach (var (day, count, entries) in store.GenerateDays())
        {
            var batch = new List<LogEntry>(BatchSize);
            foreach (var entry in entries)
            {
                batch.Add(entry);
                QueryStore.WritePlain(plain, entry);
                if (batch.Count == BatchSize)
                {
                    seq = await CopyBatchAsync(connection, day, batch, seq);
                }
            }

            seq = await CopyBatchAsync(connection, day, batch, seq);
            Console.WriteLine($"  {day:yyyy-MM-dd}: {count:N0} entries");
        }
    }

    /// <summary>One COPY of the batch (then emptied) into its day's partition; the last seq used.</summary>
    private static async Task<long> CopyBatchAsync(NpgsqlConnection connection, DateOnly day, List<LogEntry> batch, long seq)
    {
        if (batch.Count == 0)
        {
            return seq;
        }

        var seqs = new long[batch.Count];
        for (var i = 0; i < seqs.Length; i++)
        {
            seqs[i] = ++seq;
        }

        await PostgresRows.CopyAsync(connection, day, batch, seqs, CancellationToken.None);
        batch.Clear();
        return seq;
    }

    private static async Task BuildIndexesAsync(NpgsqlDataSource dataSource, IEnumerable<(string Name, string Definition)> indexes)
    {
        foreach (var (name, definition) in indexes)
        {
            var clock = Stopwatch.StartNew();
            await using var connection = await dataSource.OpenConnectionAsync();
            await using (var setting = new NpgsqlCommand("SET maintenance_work_mem = '512MB'", connection))
            {
                await setting.ExecuteNonQueryAsync();
            }

            await using var command = new NpgsqlCommand(definition, connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync();
            Console.WriteLine(Invariant($"index {name} built in {clock.Elapsed.TotalSeconds:0.0} s"));
        }
    }

    private static async Task PrintSizesAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT p.relname, sum(pg_table_size(h.inhrelid))::bigint
            FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent
            WHERE h.inhparent = 'log_entries'::regclass
               OR h.inhparent IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'log_entries'::regclass)
            GROUP BY 1 ORDER BY 2 DESC
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var sizes = new List<string>();
        while (await reader.ReadAsync())
        {
            sizes.Add(Invariant($"{reader.GetString(0)} {reader.GetInt64(1) / 1048576.0:0} MiB"));
        }

        Console.WriteLine("on disk: " + string.Join(", ", sizes));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
