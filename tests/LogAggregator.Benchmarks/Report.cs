using System.Globalization;
using System.Text;

namespace LogAggregator.Benchmarks;

public static class Report
{
    /// <summary>The issue's target for both server paths, in lines per second on this 2-core machine.</summary>
    public const double TargetRate = 300_000;

    /// <summary>The issue's target as a share of the bare DuckDB load.</summary>
    public const double TargetRatio = 0.6;

    /// <summary>Where the `--provider postgresql` runs of ingest and query are recorded.</summary>
    public const string PostgresHeading = "## PostgreSQL results";

    /// <summary>The middle value, or the mean of the two middle ones.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    public static string Line(Measurement m) =>
        $"{m.Name}: {m.LinesPerSecond:N0} lines/s ({m.Elapsed.TotalSeconds:0.00} s){(m.Note is null ? "" : " — " + m.Note)}";

    public static string Markdown(IReadOnlyList<Measurement> results, Workload workload)
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant($"### {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC — {workload.Lines:N0} lines, {workload.Entries:N0} entries, {workload.Bytes / 1e6:0} MB"));
        text.AppendLine();
        text.AppendLine(MachineLine());
        text.AppendLine();
        text.AppendLine("| measurement | lines/s | seconds | vs bare | target | server peak RSS | server CPU (cores) | notes |");
        text.AppendLine("|---|---:|---:|---:|---|---:|---:|---|");
        foreach (var m in results)
        {
            // Each store against its own raw limit: the server on PostgreSQL against the bare COPY, not DuckDB's appender.
            var bare = results.FirstOrDefault(r => r.Name.StartsWith("bare", StringComparison.Ordinal) && r.Store == m.Store);
            var ratio = bare is null || m == bare ? "" : Invariant($"{m.LinesPerSecond / bare.LinesPerSecond:0.00}");
            // The issue's targets are the embedded store's.
            var target = m == bare || m.Store is not null ? "" : Verdict(m, bare);
            var rss = m.PeakRssMiB is { } r ? Invariant($"{r:0} MiB") : "";
            var cpu = m.ServerCpuSeconds is { } c ? Invariant($"{c:0.0} s ({m.ServerCores:0.00})") : "";
            var note = m.StoreCpuSeconds is { } s
                ? Invariant($"{m.Store} CPU {s:0.0} s ({s / m.Elapsed.TotalSeconds:0.00} cores); {m.Note}")
                : m.Note;
            text.AppendLine(Invariant($"| {m.Name} | {m.LinesPerSecond:N0} | {m.Elapsed.TotalSeconds:0.00} | {ratio} | {target} | {rss} | {cpu} | {note} |"));
        }

        return text.ToString();
    }

    public static string MachineLine() =>
        Invariant($"Machine: {Environment.ProcessorCount} cores, {CpuModel()}; .NET {Environment.Version}; load average at the end {LoadAverage()}; {Knobs()}");

    /// <summary>
    /// Records the run in docs/BENCHMARKS.md at the end of the section headed <paramref name="heading"/>
    /// (ingest: "## Results", query: "## Query results"), so each command's runs stay together.
    /// </summary>
    public static void AppendToDoc(string table, string heading = "## Results")
    {
        var doc = Path.Combine(RepoRoot(), "docs", "BENCHMARKS.md");
        if (!File.Exists(doc))
        {
            Console.Error.WriteLine($"{doc} not found; results not recorded");
            return;
        }

        var lines = File.ReadAllLines(doc).ToList();
        var start = lines.FindIndex(l => l.TrimEnd() == heading);
        var end = start < 0 ? -1 : lines.FindIndex(start + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
        if (start < 0)
        {
            lines.AddRange(["", heading]);
        }

        var at = end < 0 ? lines.Count : end;
        while (at > 0 && lines[at - 1].Length == 0)
        {
            lines.RemoveAt(--at);
        }

        lines.InsertRange(at, ["", .. table.TrimEnd().Split('\n'), .. end < 0 ? Array.Empty<string>() : [""]]);
        File.WriteAllText(doc, string.Join('\n', lines) + "\n");
        Console.WriteLine($"recorded in {doc} under {heading}");
    }

    private static string Verdict(Measurement m, Measurement? bare)
    {
        var rateOk = m.LinesPerSecond >= TargetRate;
        var ratioOk = bare is null || m.LinesPerSecond / bare.LinesPerSecond >= TargetRatio;
        return rateOk && ratioOk ? "met" : "missed";
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?[(line.IndexOf(':') + 1)..].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    /// <summary>Runtime knobs in the environment, which the servers inherit: results differ with them.</summary>
    private static string Knobs()
    {
        var knobs = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("DOTNET_", StringComparison.Ordinal) && !k.StartsWith("DOTNET_CLI", StringComparison.Ordinal)
                        && !k.StartsWith("DOTNET_ROOT", StringComparison.Ordinal) && k is not "DOTNET_GENERATE_ASPNET_CERTIFICATE" && !k.StartsWith("DOTNET_NOLOGO", StringComparison.Ordinal))
            .Order()
            .Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}")
            .ToList();
        return knobs.Count == 0 ? "default runtime settings" : string.Join(", ", knobs);
    }

    /// <summary>Other work on the machine skews every figure; the 1-minute load says how much there was.</summary>
    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    internal static string RepoRoot()
    {
        // bin/<Configuration>/net10.0 → the repository, whichever configuration was built.
        return Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
