using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LogAggregator.Model;

namespace LogAggregator.Benchmarks;

/// <summary>
/// `latency [--tries N] [--no-doc]`: the timing targets that tests no longer assert (docs/BENCHMARKS.md, Latency),
/// measured against the Release server process, except masking, which runs in this process.
/// </summary>
public static class LatencyCommand
{
    private const int LongLine = 50_000;
    private const int MaskRepeats = 200_000;
    private const int Streams = 4;
    private const int BatchSize = 5;

    /// <summary>The inputs that made the old masking regexes quadratic (tests/…/Model/MessagePatternsTests.cs).</summary>
    private static readonly string[] HostileUnits = ["'", "\"", "a.", "1:", "a:", "x@"];

    /// <summary>How often a waiting measurement asks the server whether its entry is there: the resolution of (c).</summary>
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(10);

    public static async Task<int> RunAsync(string[] args)
    {
        var tries = 50;
        var writeDoc = true;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--tries": tries = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--no-doc": writeDoc = false; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        var rows = new List<LatencyRow> { Mask() };
        Console.WriteLine(rows[^1]);
        var root = Path.Combine(Path.GetTempPath(), "logagg-latency-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            await using (var server = new BenchServer(Path.Combine(root, "queries")))
            {
                await server.StartAsync();
                rows.Add(await CatastrophicSearchAsync(server));
                Console.WriteLine(rows[^1]);
                rows.Add(await FileToSearchableAsync(server, tries));
                Console.WriteLine(rows[^1]);
                rows.Add(await PostToSearchableAsync(server, tries));
                Console.WriteLine(rows[^1]);
            }

            await using (var server = new BenchServer(Path.Combine(root, "shutdown")))
            {
                await server.StartAsync();
                rows.Add(await ShutdownUnderLoadAsync(server));
                Console.WriteLine(rows[^1]);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        var table = Markdown(rows, tries);
        Console.WriteLine();
        Console.WriteLine(table);
        if (writeDoc)
        {
            Report.AppendToDoc(table, "## Latency results");
        }

        return 0;
    }

    /// <summary>(b) MessagePatterns.Mask on 200,000 repetitions of each hostile unit, in this process, after a warm-up.</summary>
    private static LatencyRow Mask()
    {
        var timings = new List<double>();
        var slowest = (Unit: "", Ms: 0.0);
        foreach (var unit in HostileUnits)
        {
            var message = string.Concat(Enumerable.Repeat(unit, MaskRepeats));
            MessagePatterns.Mask(message[..1000]);
            for (var run = 0; run < 5; run++)
            {
                var clock = Stopwatch.StartNew();
                MessagePatterns.Mask(message);
                var ms = clock.Elapsed.TotalMilliseconds;
                timings.Add(ms);
                if (ms > slowest.Ms)
                {
                    slowest = (unit, ms);
                }
            }
        }

        return LatencyRow.Of(
            "MessagePatterns.Mask, 200,000 × a hostile unit (in-process)", timings, TimeSpan.FromSeconds(1),
            Invariant($"units {string.Join(" ", HostileUnits.Select(u => $"`{u}`"))}, 5 runs each; slowest `{slowest.Unit}` {slowest.Ms:0.0} ms"));
    }

    /// <summary>(a) `(a+)+$` over a stored 50,000-character line: backtracking would never finish; RE2 answers at once.</summary>
    private static async Task<LatencyRow> CatastrophicSearchAsync(BenchServer server)
    {
        await PostAsync(server, new object[]
        {
            new { agent = "REDOS", message = new string('a', LongLine) + "!" },
            new { agent = "REDOS", message = "b" + new string('a', LongLine) },
        });
        await server.Client.GetStringAsync("/api/logs/search?q=warm-up");
        var timings = new List<double>();
        var found = -1;
        for (var run = 0; run < 10; run++)
        {
            var clock = Stopwatch.StartNew();
            var body = await server.Client.GetStringAsync("/api/logs/search?q=" + Uri.EscapeDataString("(a+)+$"));
            timings.Add(clock.Elapsed.TotalMilliseconds);
            using var answer = JsonDocument.Parse(body);
            found = answer.RootElement.GetProperty("count").GetInt32();
        }

        return LatencyRow.Of(
            "search `(a+)+$` over a stored 50,000-character line", timings, TimeSpan.FromSeconds(1),
            Invariant($"10 runs after a warm-up search; {found} match (1 expected)"), correct: found == 1);
    }

    /// <summary>(c) A line appended to a tailed file: time from the append until GET /api/logs returns it.</summary>
    private static async Task<LatencyRow> FileToSearchableAsync(BenchServer server, int tries)
    {
        var path = Path.Combine(server.LogDir, "latency.log");
        // The first line starts the tailer (the globs are rescanned every second); only appends to a tailed file are timed.
        await File.AppendAllTextAsync(path, "INFO - tailer started\n");
        await NewestMessageAsync(server, "latency", "tailer started", TimeSpan.FromSeconds(60));
        var timings = new List<double>();
        var missing = 0;
        for (var i = 0; i < tries; i++)
        {
            var marker = Invariant($"file line {i} {Guid.NewGuid():N}");
            var clock = Stopwatch.StartNew();
            await File.AppendAllTextAsync(path, $"INFO - {marker}\n");
            if (await NewestMessageAsync(server, "latency", marker, TimeSpan.FromSeconds(30)))
            {
                timings.Add(clock.Elapsed.TotalMilliseconds);
            }
            else
            {
                missing++;
            }
        }

        return LatencyRow.Of(
            "file append → returned by /api/logs", timings, TimeSpan.FromSeconds(2),
            Invariant($"{tries} appends, one at a time; polled every {PollEvery.TotalMilliseconds:0} ms; {missing} not seen within 30 s"),
            correct: missing == 0);
    }

    /// <summary>(c) A POSTed entry: time from sending the POST until GET /api/logs returns it.</summary>
    private static async Task<LatencyRow> PostToSearchableAsync(BenchServer server, int tries)
    {
        await PostAsync(server, new { agent = "LATPOST", message = "warm-up" });
        var timings = new List<double>();
        var answered = new List<double>();
        var missing = 0;
        for (var i = 0; i < tries; i++)
        {
            var marker = Invariant($"posted entry {i} {Guid.NewGuid():N}");
            var clock = Stopwatch.StartNew();
            await PostAsync(server, new { agent = "LATPOST", message = marker });
            answered.Add(clock.Elapsed.TotalMilliseconds);
            if (await NewestMessageAsync(server, "latpost", marker, TimeSpan.FromSeconds(30)))
            {
                timings.Add(clock.Elapsed.TotalMilliseconds);
            }
            else
            {
                missing++;
            }
        }

        return LatencyRow.Of(
            "POST → returned by /api/logs", timings, TimeSpan.FromSeconds(1),
            Invariant($"{tries} POSTs, one at a time; the POST itself answered in p50 {Percentile(answered, 50):0.0} ms, p99 {Percentile(answered, 99):0.0} ms; {missing} not seen"),
            correct: missing == 0);
    }

    /// <summary>
    /// (d) SIGTERM while 4 streams POST batches (as tests/LogAggregator.EndToEnd.Tests/ShutdownTests.cs does): time until
    /// the process exits; then a restart, and every acknowledged entry must be there exactly once.
    /// </summary>
    private static async Task<LatencyRow> ShutdownUnderLoadAsync(BenchServer server)
    {
        using var client = new HttpClient { BaseAddress = server.Client.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var acknowledged = new ConcurrentBag<string>();
        int refused = 0, unavailable = 0, hung = 0, failed = 0;
        using var stop = new CancellationTokenSource();
        var streams = Enumerable.Range(0, Streams).Select(stream => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var messages = Enumerable.Range(0, BatchSize).Select(j => $"stream-{stream}-batch-{n}-entry-{j}").ToList();
                var body = string.Join('\n', messages.Select(m => $$"""{"message":"{{m}}","agent":"LOAD{{stream}}"}"""));
                try
                {
                    using var response = await client.PostAsync("/api/logs", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
                    if (response.IsSuccessStatusCode)
                    {
                        messages.ForEach(acknowledged.Add);
                    }
                    else if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        Interlocked.Increment(ref unavailable);
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
                catch (HttpRequestException)
                {
                    // Refused or reset: the server no longer takes requests. Not acknowledged, so not promised.
                    Interlocked.Increment(ref refused);
                    await Task.Delay(20);
                }
                catch (TaskCanceledException)
                {
                    Interlocked.Increment(ref hung);
                }
            }
        })).ToList();

        var loading = Stopwatch.StartNew();
        while (acknowledged.Count < Streams * BatchSize * 20 && loading.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(50);
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        var beforeStop = acknowledged.Count;
        var clock = Stopwatch.StartNew();
        var exitCode = await server.TerminateAsync(TimeSpan.FromSeconds(60));
        var shutdown = clock.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(streams);

        await server.StartAsync();
        var stored = new Dictionary<string, int>();
        for (var offset = 0; ; offset += 1000)
        {
            using var page = JsonDocument.Parse(await server.Client.GetStringAsync($"/api/logs?limit=1000&offset={offset}"));
            var logs = page.RootElement.GetProperty("logs");
            foreach (var entry in logs.EnumerateArray())
            {
                var message = entry.GetProperty("message").GetString()!;
                stored[message] = stored.GetValueOrDefault(message) + 1;
            }

            if (logs.GetArrayLength() < 1000)
            {
                break;
            }
        }

        var missing = acknowledged.Count(m => !stored.ContainsKey(m));
        var doubled = stored.Count(s => s.Value > 1);
        var ms = shutdown.TotalMilliseconds;
        return new LatencyRow(
            "SIGTERM → exit, 4 streams posting", 1, ms, ms, ms, "< 5 s",
            exitCode == 0 && ms < 5000 && missing == 0 && doubled == 0 && hung == 0 && failed == 0,
            Invariant($"exit code {exitCode?.ToString(CultureInfo.InvariantCulture) ?? "none within 60 s"}; ") +
            Invariant($"{beforeStop:N0} entries acknowledged before SIGTERM, {acknowledged.Count:N0} in all, {missing} of them missing after a restart, {doubled} stored twice; ") +
            Invariant($"{refused} POSTs refused, {unavailable} answered 503, {hung} hung, {failed} other answers"));
    }

    private static async Task PostAsync(BenchServer server, object body)
    {
        using var response = await server.Client.PostAsJsonAsync("/api/logs", body);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Polls until the agent's newest entry carries <paramref name="message"/>; false after <paramref name="patience"/>.</summary>
    private static async Task<bool> NewestMessageAsync(BenchServer server, string agent, string message, TimeSpan patience)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < patience)
        {
            using var page = JsonDocument.Parse(await server.Client.GetStringAsync($"/api/logs?agent={agent}&limit=1"));
            var logs = page.RootElement.GetProperty("logs");
            if (logs.GetArrayLength() == 1 && logs[0].GetProperty("message").GetString() == message)
            {
                return true;
            }

            await Task.Delay(PollEvery);
        }

        return false;
    }

    private static string Markdown(IReadOnlyList<LatencyRow> rows, int tries)
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant($"### {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC — latency, {tries} tries per write path"));
        text.AppendLine();
        text.AppendLine(Report.MachineLine());
        text.AppendLine();
        text.AppendLine("| measurement | runs | p50 ms | p99 ms | max ms | target | met? | notes |");
        text.AppendLine("|---|---:|---:|---:|---:|---|---|---|");
        foreach (var r in rows)
        {
            text.AppendLine(Invariant($"| {r.Name} | {r.Runs} | {r.P50:0.0} | {r.P99:0.0} | {r.Max:0.0} | {r.Target} | {(r.Met ? "met" : "missed")} | {r.Note} |"));
        }

        return text.ToString();
    }

    /// <summary>Nearest rank: with 50 tries, p99 is the slowest but none.</summary>
    private static double Percentile(List<double> values, double percent)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>One measured target; <see cref="Met"/> holds when p99 is within the target and the answers were right.</summary>
    private sealed record LatencyRow(string Name, int Runs, double P50, double P99, double Max, string Target, bool Met, string Note)
    {
        public static LatencyRow Of(string name, List<double> timings, TimeSpan target, string note, bool correct = true)
        {
            var p99 = Percentile(timings, 99);
            return new LatencyRow(
                name, timings.Count, Percentile(timings, 50), p99, timings.Count == 0 ? double.NaN : timings.Max(),
                Invariant($"≤ {target.TotalSeconds:0} s"), correct && p99 <= target.TotalMilliseconds, note);
        }

        public override string ToString() =>
            Invariant($"{Name}: p50 {P50:0.0} ms, p99 {P99:0.0} ms, max {Max:0.0} ms ({Target}: {(Met ? "met" : "missed")}); {Note}");
    }
}
