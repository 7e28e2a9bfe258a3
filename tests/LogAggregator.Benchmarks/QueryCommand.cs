using System.Globalization;
using System.Text;

namespace LogAggregator.Benchmarks;

/// <summary>`query [--entries N] [--reuse DIR] [--repeats N] [--provider postgresql] [--no-doc]`: see docs/BENCHMARKS.md, Query and PostgreSQL.</summary>
public static class QueryCommand
{
    /// <summary>The issue's bound on the server's resident memory with 10 M entries stored.</summary>
    private const double RssLimitMiB = 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = QueryServerOptions.Parse(args, defaultRepeats: 20);
        var (entries, repeats, writeDoc) = (options.Entries, options.Repeats, options.WriteDoc);
        var (store, server) = await QueryServer.StartAsync(options, "qserver");
        await using var _ = server;
        var plainBytes = new FileInfo(store.PlainFile).Length;
        var rssAtStart = server.RssMiB();
        var (timings, grep) = await QueryBenchmark.RunAsync(server, store, repeats);
        var rss = server.RssMiB();
        var hwm = server.PeakRssMiB();
        Console.WriteLine(Invariant($"server RSS: {rssAtStart:0} MiB after start, {rss:0} MiB after the queries, peak {hwm:0} MiB"));

        var text = new StringBuilder();
        var onPostgres = options.Provider == PostgresBench.Provider;
        var layout = onPostgres ? $"on PostgreSQL, {QueryStore.Days} day partitions" : $"{QueryStore.Days} day files";
        text.AppendLine(Invariant($"### {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC — query, {entries:N0} entries, {layout}, plain file {plainBytes / 1e6:0} MB"));
        text.AppendLine();
        text.AppendLine(Invariant($"{Report.MachineLine()}; {repeats} timed runs per query after 2 warm-ups (the first, cold, timed apart)"));
        text.AppendLine();
        text.AppendLine("| query | first ms | p50 ms | p95 ms | target | met? | grep -c -E ms (LC_ALL=C) | p50 / grep | returned |");
        text.AppendLine("|---|---:|---:|---:|---|---|---:|---:|---:|");
        foreach (var t in timings)
        {
            var met = t.Met switch { true => "met", false => "missed", null => "" };
            var grepMs = t.GrepMs is { } g ? Invariant($"{g:0}") : "";
            var ratio = t.GrepMs is { } r ? Invariant($"{t.P50 / r:0.00}") : "";
            text.AppendLine(Invariant($"| {t.Name} | {t.First:0.0} | {t.P50:0.0} | {t.P95:0.0} | {t.Target} | {met} | {grepMs} | {ratio} | {t.Returned} |"));
        }

        text.AppendLine(Invariant($"| server resident memory | | VmRSS {rss:0} MiB | VmHWM {hwm:0} MiB | ≤ 1 GiB | {(hwm <= RssLimitMiB ? "met" : "missed")} | | | |"));
        text.AppendLine();
        text.Append("grep -c -E over the plain file, median of 3 (LC_ALL=C / default locale LANG=")
            .Append(Environment.GetEnvironmentVariable("LANG")).Append("): ")
            .AppendJoin("; ", grep.Select(g => Invariant($"`{g.Key}` {g.Value.C:0} / {g.Value.Default:0} ms")))
            .AppendLine(".");

        var table = text.ToString();
        Console.WriteLine();
        Console.WriteLine(table);
        if (writeDoc)
        {
            Report.AppendToDoc(table, onPostgres ? Report.PostgresHeading : "## Query results");
        }

        return 0;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
