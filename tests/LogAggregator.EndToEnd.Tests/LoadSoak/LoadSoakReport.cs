using System.Globalization;
using System.Text;
using LogAggregator.EndToEnd.Tests.RotationSoak;
using LogAggregator.Testing;

namespace LogAggregator.EndToEnd.Tests.LoadSoak;

/// <summary>The soak's figures as the markdown docs/BENCHMARKS.md keeps under "## Load soak results".</summary>
internal static class LoadSoakReport
{
    public const string Heading = "## Load soak results";

    public static string Markdown(
        TimeSpan wall, TimeSpan ingest, SoakTally files, IReadOnlyList<PostedTally> posted, UiQueries queries, IReadOnlyList<long> peaks, int rotations)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"### {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC — {ingest.TotalSeconds:0} s of mixed ingest, one SIGKILL and restart, {Environment.ProcessorCount} cores\n\n");
        text.Append("| writer | kind | sent | stored | lost | doubled | resent after a lost answer |\n|---|---|---:|---:|---:|---:|---:|\n");
        foreach (var (agent, written, missing, doubled) in files.Writers)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {agent} | file + logrotate | {written:N0} | {written - missing:N0} | {missing} | {doubled} | – |\n");
        }

        foreach (var p in posted)
        {
            var kind = p.Client.Kind == PostingKind.Http ? "HTTP NDJSON" : "OTLP/HTTP protobuf";
            text.Append(CultureInfo.InvariantCulture,
                $"| {p.Client.Agent} | {kind} | {p.Client.Committed:N0} | {p.Stored:N0} | {p.Missing.Count} | {p.Doubled.Count} | {p.Resent.Count} |\n");
        }

        text.Append("\n| latency | count | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n");
        foreach (var kind in new[] { PostingKind.Http, PostingKind.Otlp })
        {
            var name = kind == PostingKind.Http ? "POST /api/logs (50 entries)" : "POST /v1/logs (50 records)";
            Row(text, name, posted.Where(p => p.Client.Kind == kind).SelectMany(p => p.Client.LatenciesMs).ToList());
        }

        foreach (var (kind, latencies) in queries.LatenciesMs)
        {
            Row(text, kind switch
            {
                "histogram" => "histogram, 60 buckets over 15 min",
                "page" => "page of 100",
                _ => $"search `{UiQueries.SearchPattern}` over 15 min",
            }, latencies);
        }

        text.Append(CultureInfo.InvariantCulture,
            $"\nPeak RSS (VmHWM) per server process: {string.Join(", ", peaks.Select(p => $"{p / (1024.0 * 1024):0} MB"))}; "
            + $"live tail: {queries.TailEvents:N0} events over {queries.TailConnects} connections ({queries.TailDropped} dropped); "
            + $"logrotate runs: {rotations}; wall time {wall.TotalSeconds:0} s.\n");
        return text.ToString();
    }

    /// <summary>Puts the run's section first under <see cref="Heading"/> in docs/BENCHMARKS.md (the heading is added if missing).</summary>
    public static void AppendToBenchmarks(string section)
    {
        var path = Path.Combine(ServerLaunch.RepositoryRoot, "docs", "BENCHMARKS.md");
        var text = File.ReadAllText(path);
        var at = text.IndexOf(Heading + "\n", StringComparison.Ordinal);
        text = at < 0
            ? text.TrimEnd() + "\n\n" + Heading + "\n\n" + section
            : text.Insert(at + Heading.Length + 1, "\n" + section.TrimEnd() + "\n");
        File.WriteAllText(path, text);
    }

    private static void Row(StringBuilder text, string name, List<double> latencies)
    {
        if (latencies.Count == 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {name} | 0 | – | – | – |\n");
            return;
        }

        latencies.Sort();
        text.Append(CultureInfo.InvariantCulture,
            $"| {name} | {latencies.Count:N0} | {Percentile(latencies, 0.50):0.0} | {Percentile(latencies, 0.99):0.0} | {latencies[^1]:0.0} |\n");
    }

    /// <summary>Nearest rank.</summary>
    private static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
