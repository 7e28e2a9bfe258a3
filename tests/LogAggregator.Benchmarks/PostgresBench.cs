using System.Diagnostics;
using LogAggregator.Model;
using LogAggregator.Storage.Postgres;
using LogAggregator.Testing;
using Npgsql;

namespace LogAggregator.Benchmarks;

/// <summary>
/// The PostgreSQL the `--provider postgresql` runs measure: the tests' throwaway server (tests/Shared PostgresCluster,
/// one per benchmark process, a fresh database per measurement), but durable and sized like a small real one, since
/// its figures stand beside the embedded store's, which acknowledges only committed entries.
/// </summary>
public static class PostgresBench
{
    public const string Provider = "postgresql";

    /// <summary>
    /// Durable commits (the tests' server turns fsync off), 1 GB of shared buffers (the embedded store's DuckDB
    /// memory_limit), room for index builds and for the WAL of a bulk load between checkpoints.
    /// </summary>
    public const string ServerOptions =
        "-c fsync=on -c synchronous_commit=on -c full_page_writes=on -c shared_buffers=1GB -c maintenance_work_mem=512MB -c max_wal_size=4GB";

    /// <summary>The store's trigram index on message and metadata (PostgresSchema); the bare COPY is run with and without it.</summary>
    public const string TrigramIndex = "log_entries_text_trgm";

    private static readonly Lazy<int> Postmaster = new(PostmasterPid);

    private static PostgresCluster Cluster
    {
        get
        {
            // Read once, when the cluster starts; an operator's own POSTGRES_OPTIONS wins.
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("POSTGRES_OPTIONS")))
            {
                Environment.SetEnvironmentVariable("POSTGRES_OPTIONS", ServerOptions);
            }

            return PostgresCluster.Instance;
        }
    }

    public static Task<string> CreateDatabaseAsync() => Cluster.CreateDatabaseAsync();

    /// <summary>A Release server on a fresh database of the cluster, its PostgreSQL CPU counted with its own.</summary>
    public static async Task<BenchServer> ServerAsync(string root, string? dataDirectory = null)
    {
        var server = new BenchServer(root, dataDirectory) { StoreCpuSeconds = CpuSeconds };
        server.Environment["DATABASE_PROVIDER"] = Provider;
        server.Environment["DATABASE_CONNECTION"] = await CreateDatabaseAsync();
        return server;
    }

    /// <summary>The store's schema in a fresh database, with the partitions of <paramref name="days"/>; the data source to it.</summary>
    public static async Task<NpgsqlDataSource> SchemaAsync(IEnumerable<DateOnly> days)
    {
        var dataSource = NpgsqlDataSource.Create(await CreateDatabaseAsync());
        await PostgresSchema.CreateAsync(dataSource, CancellationToken.None);
        foreach (var day in days)
        {
            await PostgresSchema.CreatePartitionAsync(dataSource, day, CancellationToken.None);
        }

        return dataSource;
    }

    /// <summary>
    /// The raw limit: the rows, numbered 1..N, written by binary COPY (the store's own row encoding) into today's
    /// partition of the store's schema, with every index the store creates, or without the trigram index, to show
    /// what maintaining it costs. One COPY in one transaction per stream, each stream a contiguous share of the rows
    /// on its own connection, all started together: one stream is one backend, i.e. one core, where the server's
    /// writers append concurrently. No counters, no actors, no HTTP.
    /// </summary>
    public static async Task<(TimeSpan Elapsed, double CpuSeconds)> BareCopyAsync(IReadOnlyList<LogEntry> rows, bool trigram, int streams)
    {
        var day = DateOnly.FromDateTime(DateTime.UtcNow);
        await using var dataSource = await SchemaAsync([day]);
        if (!trigram)
        {
            await ExecuteAsync(dataSource, $"DROP INDEX {TrigramIndex}");
        }

        var share = (rows.Count + streams - 1) / streams;
        var chunks = new List<(NpgsqlConnection Connection, LogEntry[] Rows, long[] Seqs)>();
        for (var start = 0; start < rows.Count; start += share)
        {
            var count = Math.Min(share, rows.Count - start);
            var seqs = new long[count];
            for (var i = 0; i < count; i++)
            {
                seqs[i] = start + i + 1;
            }

            chunks.Add((await dataSource.OpenConnectionAsync(), rows.Skip(start).Take(count).ToArray(), seqs));
        }

        var cpuBefore = CpuSeconds();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(chunks.Select(c => Task.Run(async () =>
        {
            await using var transaction = await c.Connection.BeginTransactionAsync();
            await PostgresRows.CopyAsync(c.Connection, day, c.Rows, c.Seqs, CancellationToken.None);
            await transaction.CommitAsync();
        })));
        var elapsed = clock.Elapsed;
        var cpu = CpuSeconds() - cpuBefore;
        foreach (var chunk in chunks)
        {
            await chunk.Connection.DisposeAsync();
        }

        return (elapsed, cpu);
    }

    public static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// CPU seconds (user + system) of the cluster: the postmaster with its ended children, and its live ones
    /// (backends, WAL writer, checkpointer), from /proc.
    /// </summary>
    public static double CpuSeconds()
    {
        var postmaster = Postmaster.Value;
        var total = 0L;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (pid == postmaster)
                {
                    total += long.Parse(fields[11]) + long.Parse(fields[12]) + long.Parse(fields[13]) + long.Parse(fields[14]);
                }
                else if (int.Parse(fields[1]) == postmaster)
                {
                    total += long.Parse(fields[11]) + long.Parse(fields[12]);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked; its time is in the postmaster's children's now.
            }
        }

        return total / 100.0;
    }

    private static int PostmasterPid()
    {
        using var dataSource = NpgsqlDataSource.Create(Cluster.AdminConnectionString);
        using var command = dataSource.CreateCommand("SHOW data_directory");
        var directory = (string)command.ExecuteScalar()!;
        return int.Parse(File.ReadLines(Path.Combine(directory, "postmaster.pid")).First());
    }
}
