namespace LogAggregator.Benchmarks;

/// <summary>
/// `ingest --provider postgresql`: after the embedded runs, the same rows through the same paths into a server on
/// PostgreSQL (a fresh database each), and the raw limit beside them, a bare binary COPY of those rows into the
/// store's schema; with and without the trigram index, since maintaining it is most of the database's work.
/// </summary>
internal static class PostgresIngest
{
    private const string Store = PostgresBench.Provider;

    public static async Task RunAsync(Workload workload, IngestOptions options, string root, List<Measurement> results)
    {
        if (options.Runs("bare"))
        {
            var rows = workload.AllEntries.ToList();
            // The first is the limit the server runs are compared with; the others show where the database's time goes.
            foreach (var (name, trigram, streams, note) in new[]
                     {
                         ("bare PostgreSQL binary COPY", true, 1, "1 COPY, 1 transaction, every index the store makes"),
                         ("bare PostgreSQL binary COPY, 2 streams", true, 2, "2 concurrent COPYs of half the rows each, every index"),
                         ("bare PostgreSQL binary COPY, no trigram index", false, 1, "1 COPY, 1 transaction, without the trigram GIN"),
                     })
            {
                var (elapsed, cpu) = await PostgresBench.BareCopyAsync(rows, trigram, streams);
                Add(results, new Measurement(name, workload.Lines, rows.Count, elapsed, Note: note, StoreCpuSeconds: cpu, Store: Store));
            }
        }

        if (options.Runs("tail"))
        {
            await using var server = await PostgresBench.ServerAsync(Path.Combine(root, "pg-tail"));
            Add(results, await FileTailBenchmark.RunAsync(workload, server) with { Name = "file tail → PostgreSQL", Store = Store });
        }

        if (options.Runs("http"))
        {
            await using var server = await PostgresBench.ServerAsync(Path.Combine(root, "pg-http"));
            Add(results, await HttpIngestBenchmark.RunAsync(workload, server, options.BodyLines) with { Name = "HTTP NDJSON → PostgreSQL", Store = Store });
        }
    }

    private static void Add(List<Measurement> results, Measurement measurement)
    {
        results.Add(measurement);
        Console.WriteLine(Report.Line(measurement));
    }
}
