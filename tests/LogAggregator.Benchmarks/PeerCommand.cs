using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LogAggregator.Ingestion;
using LogAggregator.Model;

namespace LogAggregator.Benchmarks;

/// <summary>
/// `peer`: the side-by-side protocol of the VictoriaLogs comparison (issue 13), run against LogAggregator alone,
/// with the bare DuckDB Appender load of the same rows as the raw limit in the same run. The data is
/// `../shared/bench/gen_peer_data.py N` (50 agents, 5 levels, 24 h, seed 42); the server is fresh (no warm-up);
/// 4 streams each POST NDJSON bodies of at most 8 MB back to back and the clock stops at the last 2xx. Meanwhile a
/// probe writes one line every 250 ms, alternately POSTed and appended to a tailed file, and times it until
/// /api/logs returns it (write → searchable). Then the four read questions of the comparison, peak RSS, and the
/// data directory's size after a clean stop. With --tail, a second fresh server tails the same lines from four
/// files (file-tail ingest of the same data).
/// </summary>
public static class PeerCommand
{
    private const int Streams = 4;
    private const int MaxBodyBytes = 8 * 1024 * 1024;
    private const string Regex = @"user\d+@example\.org";
    private static readonly DateTime DataStart = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    // The best of the four VictoriaLogs runs quoted in issue 13, and the issue's targets.
    private static readonly (string Measure, string Peer, string Target)[] Reference =
    [
        ("ingest, lines/s", "395k", "≥ 450k and ≥ 0.8× bare"),
        ("agent + level, newest 100", "3.8 ms", "≤ 3 ms p50"),
        ("regex, newest 100", "106 ms", "stays ahead"),
        ("count by level", "22 ms", "stays ahead"),
        ("histogram hour × level", "43 ms", "stays ahead"),
        ("peak RSS after ingest + queries", "350 MiB", "≤ 300 MiB"),
        ("data on disk after a clean stop", "15.1 MiB", "≤ 14 MiB per 1M"),
        ("write → searchable p99", "", "≤ 1 s"),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var lines = 1_000_000;
        var repeats = 20;
        var writeDoc = true;
        var tail = false;
        var keep = false;
        string? data = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--lines": lines = int.Parse(args[++i].Replace("_", ""), CultureInfo.InvariantCulture); break;
                case "--data": data = args[++i]; break;
                case "--repeats": repeats = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--tail": tail = true; break;
                case "--no-doc": writeDoc = false; break;
                case "--keep": keep = true; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }

        data ??= Generate(lines);
        var raw = await File.ReadAllLinesAsync(data);
        Console.WriteLine($"{raw.Length:N0} lines from {data}");
        var root = Path.Combine(Path.GetTempPath(), "logagg-peer-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var bare = Bare(raw, Path.Combine(root, "bare"));
            Console.WriteLine(Invariant($"bare DuckDB Appender: {raw.Length / bare.TotalSeconds:N0} lines/s ({bare.TotalSeconds:0.00} s)"));

            var run = await ServeAsync(raw, Path.Combine(root, "http"), repeats);
            Measurement? tailed = tail ? await TailAsync(raw, Path.Combine(root, "tail")) : null;

            var table = Markdown(raw.Length, bare, run, tailed);
            Console.WriteLine();
            Console.WriteLine(table);
            if (writeDoc)
            {
                Report.AppendToDoc(table, "## Peer comparison results");
            }
        }
        finally
        {
            try
            {
                if (keep)
                {
                    Console.WriteLine($"kept {root}");
                }
                else
                {
                    Directory.Delete(root, recursive: true);
                }
            }
            catch (IOException)
            {
            }
        }

        return 0;
    }

    /// <summary>The generator's output for N lines, made once and kept in the temp directory (it is deterministic).</summary>
    private static string Generate(int lines)
    {
        var path = Path.Combine(Path.GetTempPath(), $"logagg-peer-data-{lines}.jsonl");
        if (File.Exists(path))
        {
            return path;
        }

        var generator = Path.Combine(Report.RepoRoot(), "..", "shared", "bench", "gen_peer_data.py");
        if (!File.Exists(generator))
        {
            throw new FileNotFoundException($"the peer data generator is not at {generator}; pass --data FILE", generator);
        }

        Console.WriteLine($"generating {lines:N0} lines with {generator} ...");
        var partial = path + ".partial";
        using (var process = Process.Start(new ProcessStartInfo("python3", [generator, lines.ToString(CultureInfo.InvariantCulture), partial]) { UseShellExecute = false })!)
        {
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"the generator exited with {process.ExitCode}");
            }
        }

        File.Move(partial, path);
        return path;
    }

    /// <summary>The same rows, parsed as the server parses a POSTed entry, appended by one Appender in one transaction.</summary>
    private static TimeSpan Bare(string[] raw, string directory)
    {
        var now = DateTime.UtcNow;
        var rows = new List<LogEntry>(raw.Length);
        foreach (var line in raw)
        {
            var result = JsonEntryReader.ReadPosted(Encoding.UTF8.GetBytes(line), "unknown", "http", now);
            if (result.IsValid)
            {
                rows.Add(result.Entry);
            }
        }

        return BareLoad.Run(rows, directory);
    }

    private sealed record ServedRun(
        Measurement Ingest, int Retries, List<QueryTiming> Queries, double PeakRssMiB, double DiskMiB, List<Probe> Probes, long Stored);

    /// <summary>
    /// One probe line: how it was written, when (ms after the ingest began), how long until its POST was answered
    /// (committed; 0 for a file line) and until <c>/api/logs</c> returned it.
    /// </summary>
    private sealed record Probe(bool ByFile, double StartMs, double AckMs, double VisibleMs);

    private static async Task<ServedRun> ServeAsync(string[] raw, string root, int repeats)
    {
        var bodies = Bodies(raw);
        // The data directory sits beside the server's root, which it deletes on dispose, so --keep can keep it.
        var dataDirectory = root + "-data";
        await using var server = new BenchServer(root, dataDirectory);
        var probeFile = Path.Combine(server.LogDir, "probe.log");
        File.WriteAllBytes(probeFile, []);
        await server.StartAsync();
        var cpuBefore = server.CpuSeconds();
        var retries = 0;
        var next = -1;

        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var probing = ProbeAsync(server, probeFile, clock, stop.Token);
        await Task.WhenAll(Enumerable.Range(0, Streams).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < bodies.Count; i = Interlocked.Increment(ref next))
            {
                Interlocked.Add(ref retries, await PostAsync(server.Client, bodies[i]));
            }
        })));
        var elapsed = clock.Elapsed;
        var cpu = server.CpuSeconds() - cpuBefore;
        await stop.CancelAsync();
        var probes = await probing;
        var ingest = new Measurement("HTTP NDJSON, fresh server", raw.Length, raw.Length, elapsed, server.PeakRssMiB(), cpu,
            Invariant($"{Streams} streams, {bodies.Count} bodies of ≤ 8 MB"));
        Console.WriteLine(Report.Line(ingest));

        var stored = await server.TotalLogsAsync();
        var queries = await QueriesAsync(server, repeats);
        var peak = server.PeakRssMiB();
        var exit = await server.TerminateAsync(TimeSpan.FromSeconds(60));
        if (exit != 0)
        {
            throw new InvalidOperationException($"the server did not stop cleanly (exit {exit?.ToString(CultureInfo.InvariantCulture) ?? "none in 60 s"})");
        }

        var files = Directory.EnumerateFiles(dataDirectory, "*", SearchOption.AllDirectories).Select(f => new FileInfo(f)).ToList();
        foreach (var file in files.OrderByDescending(f => f.Length))
        {
            Console.WriteLine(Invariant($"  {Path.GetRelativePath(dataDirectory, file.FullName)}: {file.Length / 1048576.0:0.00} MiB"));
        }

        var disk = files.Sum(f => f.Length) / 1048576.0;
        return new ServedRun(ingest, retries, queries, peak, disk, probes, stored);
    }

    /// <summary>NDJSON bodies of whole lines, each at most 8 MB.</summary>
    private static List<byte[]> Bodies(string[] raw)
    {
        var bodies = new List<byte[]>();
        var body = new MemoryStream();
        foreach (var line in raw)
        {
            var bytes = Encoding.UTF8.GetBytes(line + "\n");
            if (body.Length + bytes.Length > MaxBodyBytes)
            {
                bodies.Add(body.ToArray());
                body.SetLength(0);
            }

            body.Write(bytes);
        }

        if (body.Length > 0)
        {
            bodies.Add(body.ToArray());
        }

        return bodies;
    }

    /// <summary>POSTs one body until it is accepted; returns how many 503s it was answered first.</summary>
    private static async Task<int> PostAsync(HttpClient client, byte[] body)
    {
        for (var refused = 0; ; refused++)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            using var response = await client.PostAsync("/api/logs", content);
            if (response.IsSuccessStatusCode)
            {
                return refused;
            }

            if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
            {
                throw new InvalidOperationException($"POST answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Until stopped, and once more after: one line every 250 ms, POSTed or appended to the tailed probe file in turn,
    /// each timed from the write until /api/logs?agent=… returns it.
    /// </summary>
    private static async Task<List<Probe>> ProbeAsync(BenchServer server, string probeFile, Stopwatch ingest, CancellationToken stop)
    {
        var probes = new List<Probe>();
        for (var n = 0; n == 0 || !stop.IsCancellationRequested; n++)
        {
            var byFile = n % 2 == 1;
            var agent = byFile ? "probe" : "probe-http";
            var message = $"probe {n} {Guid.NewGuid():N}";
            var line = JsonSerializer.Serialize(new { timestamp = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture), agent, level = "INFO", message });
            var start = ingest.Elapsed.TotalMilliseconds;
            var clock = Stopwatch.StartNew();
            if (byFile)
            {
                await File.AppendAllTextAsync(probeFile, line + "\n", CancellationToken.None);
            }
            else
            {
                await PostAsync(server.Client, Encoding.UTF8.GetBytes(line + "\n"));
            }

            var ack = byFile ? 0 : clock.Elapsed.TotalMilliseconds;

            while (!(await server.Client.GetStringAsync($"/api/logs?agent={agent}&limit=5", CancellationToken.None)).Contains(message, StringComparison.Ordinal))
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException($"the probe line '{message}' was not searchable within 60 s");
                }

                await Task.Delay(5, CancellationToken.None);
            }

            probes.Add(new Probe(byFile, start, ack, clock.Elapsed.TotalMilliseconds));
            try
            {
                await Task.Delay(250, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return probes;
    }

    private static async Task<List<QueryTiming>> QueriesAsync(BenchServer server, int repeats)
    {
        var from = QueryBenchmark.Iso(DataStart);
        var to = QueryBenchmark.Iso(DataStart.AddDays(1));
        return
        [
            await QueryBenchmark.TimeAsync(server, "agent + level, newest 100", "/api/logs?agent=agent-07&level=ERROR&limit=100", repeats, "≤ 3 ms", 3, null, "logs"),
            await QueryBenchmark.TimeAsync(
                server, "regex, newest 100", $"/api/logs/search?q={Uri.EscapeDataString(Regex)}&limit=100", repeats, "", null, null, "results"),
            await QueryBenchmark.TimeAsync(server, "count by level", $"/api/stats?start_time={from}&end_time={to}", repeats, "", null, null, "log_files"),
            await QueryBenchmark.TimeAsync(
                server, "histogram hour × level", $"/api/logs/histogram?interval=hour&start_time={from}&end_time={to}", repeats, "", null, null, "buckets"),
        ];
    }

    /// <summary>The same lines split over four tailed files, written after a fresh server started; timed until stored.</summary>
    private static async Task<Measurement> TailAsync(string[] raw, string root)
    {
        await using var server = new BenchServer(root);
        var files = Enumerable.Range(0, Streams).Select(i => Path.Combine(server.LogDir, $"peer{i}.log")).ToList();
        files.ForEach(f => File.WriteAllBytes(f, []));
        await server.StartAsync();
        var contents = files.Select((_, i) => Encoding.UTF8.GetBytes(string.Join("\n", raw.Where((_, n) => n % Streams == i)) + "\n")).ToList();
        var cpuBefore = server.CpuSeconds();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(files.Select((f, i) => File.WriteAllBytesAsync(f, contents[i])));
        var stored = await Poll.UntilStoredAsync(server, raw.Length);
        var measurement = new Measurement("file tail, fresh server", raw.Length, (int)stored, clock.Elapsed, server.PeakRssMiB(), server.CpuSeconds() - cpuBefore,
            stored < raw.Length ? Invariant($"STALLED at {stored} of {raw.Length}") : "4 files");
        Console.WriteLine(Report.Line(measurement));
        return measurement;
    }

    private static string Markdown(int lines, TimeSpan bare, ServedRun run, Measurement? tailed)
    {
        var bareRate = lines / bare.TotalSeconds;
        var probes = run.Probes.Select(p => p.VisibleMs).Order().ToList();
        var perMillion = 1_000_000.0 / lines;
        var ingest = run.Ingest.LinesPerSecond;
        var ours = new Dictionary<string, (string Value, bool? Met)>
        {
            ["ingest, lines/s"] = (Invariant($"{ingest:N0} ({ingest / bareRate:0.00}× bare {bareRate:N0}){(run.Retries > 0 ? $", {run.Retries} 503s retried" : "")}"),
                ingest >= 450_000 && ingest >= 0.8 * bareRate),
            ["peak RSS after ingest + queries"] = (Invariant($"{run.PeakRssMiB:0} MiB"), run.PeakRssMiB <= 300),
            ["data on disk after a clean stop"] = (Invariant($"{run.DiskMiB:0.0} MiB ({run.DiskMiB * perMillion:0.0} per 1M)"), run.DiskMiB * perMillion <= 14),
            ["write → searchable p99"] = (Invariant($"{QueryBenchmark.Percentile(probes, 0.99):0} ms p99, {QueryBenchmark.Percentile(probes, 0.5):0} ms p50 ({probes.Count} probes)"),
                QueryBenchmark.Percentile(probes, 0.99) <= 1000),
        };
        foreach (var t in run.Queries)
        {
            ours[t.Name] = (Invariant($"{t.P50:0.0} ms p50 ({t.P95:0.0} p95, first {t.First:0.0})"), t.Met);
        }

        var text = new StringBuilder();
        text.AppendLine(Invariant($"### {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC — peer protocol, {lines:N0} lines"));
        text.AppendLine();
        text.AppendLine(Report.MachineLine());
        text.AppendLine();
        text.AppendLine("| measure | VictoriaLogs (best quoted in issue 13) | LogAggregator | target | met |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (var (measure, peer, target) in Reference)
        {
            var (value, met) = ours[measure];
            text.AppendLine($"| {measure} | {peer} | {value} | {target} | {(met is null ? "" : met.Value ? "yes" : "NO")} |");
        }

        text.AppendLine();
        text.AppendLine(Invariant($"Stored {run.Stored:N0} entries ({lines:N0} lines + {probes.Count} probes); server CPU for the ingest {run.Ingest.ServerCpuSeconds:0.0} s ({run.Ingest.ServerCores:0.00} cores)."));
        text.AppendLine("Probes (ms after the ingest began: how written, searchable after; a POST's answer in brackets): "
            + string.Join("; ", run.Probes.Select(p => Invariant($"{p.StartMs:0} {(p.ByFile ? "file" : "POST")} {p.VisibleMs:0}{(p.ByFile ? "" : $" ({p.AckMs:0})")}"))) + ".");
        if (tailed is not null)
        {
            text.AppendLine(Invariant($"File tail of the same lines (4 files, fresh server): {tailed.LinesPerSecond:N0} lines/s ({tailed.LinesPerSecond / bareRate:0.00}× bare), peak RSS {tailed.PeakRssMiB:0} MiB, server CPU {tailed.ServerCpuSeconds:0.0} s{(tailed.Note is { } n ? "; " + n : "")}."));
        }

        return text.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
