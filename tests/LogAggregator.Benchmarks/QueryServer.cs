using System.Globalization;

namespace LogAggregator.Benchmarks;

/// <summary>
/// The options the store-backed modes share (`--entries N --reuse DIR --repeats N --no-doc`) and the Release server
/// they time: started on the query benchmark's store (cached per size in the temp directory unless --reuse) once
/// its count is checked and its first search-index pass is done.
/// </summary>
/// <param name="Provider">postgresql: the entries in a PostgreSQL database of this process's throwaway server (query only).</param>
public sealed record QueryServerOptions(long Entries, string? Reuse, int Repeats, bool WriteDoc, string? Provider = null)
{
    public static QueryServerOptions Parse(string[] args, int defaultRepeats)
    {
        var options = new QueryServerOptions(10_000_000, null, defaultRepeats, true);
        for (var i = 0; i < args.Length; i++)
        {
            options = args[i] switch
            {
                "--entries" => options with { Entries = long.Parse(args[++i].Replace("_", ""), CultureInfo.InvariantCulture) },
                "--repeats" => options with { Repeats = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--reuse" => options with { Reuse = args[++i] },
                "--no-doc" => options with { WriteDoc = false },
                "--provider" => options with { Provider = IngestOptions.ParseProvider(args[++i]) },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        return options;
    }
}

public static class QueryServer
{
    /// <summary>Opens (or builds) the store and starts a server on it; searches are timed once its index is built.</summary>
    public static async Task<(QueryStore Store, BenchServer Server)> StartAsync(QueryServerOptions options, string name)
    {
        if (options.Provider == PostgresBench.Provider)
        {
            return await StartOnPostgresAsync(options, name);
        }

        // Without --reuse the store is still cached, per size, in the temp directory: building it is the slow part.
        var store = await QueryStore.OpenOrBuildAsync(
            options.Reuse ?? Path.Combine(Path.GetTempPath(), $"logagg-query-{options.Entries}"), options.Entries);
        var server = new BenchServer(Path.Combine(Path.GetTempPath(), $"logagg-{name}-" + Guid.NewGuid().ToString("N")[..12]), store.Directory);
        await StartCountedAsync(server, options.Entries, async () =>
        {
            // Searches are right without the index but read every row; the server says when its first pass is done.
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!server.Output.Contains("Search index built", StringComparison.Ordinal) && waited.Elapsed < TimeSpan.FromMinutes(3))
            {
                await Task.Delay(200);
            }

            Console.WriteLine(FormattableString.Invariant($"search index ready {waited.Elapsed.TotalSeconds:0.0} s after the server answered"));
        });
        return (store, server);
    }

    /// <summary>
    /// The same entries loaded into PostgreSQL (<see cref="PostgresQueryStore"/>; the database server lives as long
    /// as this process, so they are loaded on every run) and a server on them; the load builds the trigram index.
    /// </summary>
    private static async Task<(QueryStore Store, BenchServer Server)> StartOnPostgresAsync(QueryServerOptions options, string name)
    {
        if (options.Reuse is not null)
        {
            throw new ArgumentException("--reuse names DuckDB day files; with --provider postgresql the entries are loaded on each run");
        }

        var root = Path.Combine(Path.GetTempPath(), $"logagg-{name}-pg-" + Guid.NewGuid().ToString("N")[..12]);
        var (store, connectionString) = await PostgresQueryStore.BuildAsync(Path.Combine(root, "store"), options.Entries);
        var server = new BenchServer(root) { StoreCpuSeconds = PostgresBench.CpuSeconds };
        server.Environment["DATABASE_PROVIDER"] = PostgresBench.Provider;
        server.Environment["DATABASE_CONNECTION"] = connectionString;
        await StartCountedAsync(server, options.Entries, () => Task.CompletedTask);
        return (store, server);
    }

    /// <summary>Starts the server, checks it counts every entry, waits for <paramref name="ready"/>; disposes it on failure.</summary>
    private static async Task StartCountedAsync(BenchServer server, long entries, Func<Task> ready)
    {
        try
        {
            await server.StartAsync();
            var stored = await server.TotalLogsAsync();
            if (stored != entries)
            {
                throw new InvalidOperationException($"the server counts {stored:N0} entries, expected {entries:N0}");
            }

            await ready();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }
}
