using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LogAggregator.Testing;

namespace LogAggregator.Benchmarks;

/// <summary>
/// What alerting costs ingestion: the same entries POSTed once at INFO (nothing for alerting to do) and once at ERROR
/// over many distinct keys (every entry masked, grouped and handed to a threshold entity, hundreds of alerts decided
/// and journaled), each into a fresh server, in the same run. A round is one pair, INFO then ERROR or ERROR then
/// INFO in turn, so neither level always runs on the machine the other has just warmed or tired. The target: ERROR
/// takes at most 1.10x the time of INFO, judged by the median of the rounds' ERROR/INFO ratios (each pair measured
/// back to back, so a drift of the machine's speed between rounds cancels out); the ratio of the best runs of each
/// level is printed beside it. HERMES_URL points at an in-process listener that answers 200 to everything, so a
/// notifier, if one is wired, delivers instead of retrying.
/// </summary>
public static class AlertBenchmark
{
    private const int Streams = 4;
    private const int LinesPerBody = 1000;
    private const int Agents = 10;

    public static async Task<int> RunAsync(string[] args)
    {
        var entries = 100_000;
        var keys = 1000;
        var rounds = 2;
        var writeDoc = true;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--entries": entries = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--keys": keys = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--no-doc": writeDoc = false; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        using var hermes = new OkListener();
        var root = Path.Combine(Path.GetTempPath(), "logagg-bench-alerts-" + Guid.NewGuid().ToString("N")[..12]);
        var results = new List<Measurement>();
        var ratios = new List<double>();
        try
        {
            for (var round = 0; round < rounds; round++)
            {
                var elapsed = new Dictionary<string, TimeSpan>();
                foreach (var level in round % 2 == 0 ? new[] { "INFO", "ERROR" } : ["ERROR", "INFO"])
                {
                    await using var server = new BenchServer(Path.Combine(root, $"{level}-{round}"));
                    server.Environment["HERMES_URL"] = hermes.Url;
                    hermes.ResetPages();
                    var measurement = await PostAsync(server, hermes, Bodies(entries, keys, level), entries, $"HTTP {level}, {keys} keys");
                    if (level == "ERROR")
                    {
                        measurement = measurement with { Note = await UntilPagedAsync(server, hermes, keys, measurement) };
                    }

                    results.Add(measurement);
                    elapsed[level] = measurement.Elapsed;
                    Console.WriteLine(Report.Line(measurement));
                }

                ratios.Add(elapsed["ERROR"] / elapsed["INFO"]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: ERROR/INFO = {ratios[^1]:0.000}"));
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

        var info = results.Where(r => r.Name.StartsWith("HTTP INFO", StringComparison.Ordinal)).Min(r => r.Elapsed);
        var error = results.Where(r => r.Name.StartsWith("HTTP ERROR", StringComparison.Ordinal)).Min(r => r.Elapsed);
        var ratio = Report.Median(ratios);
        var verdict = string.Create(
            CultureInfo.InvariantCulture,
            $"ERROR/INFO = {ratio:0.000} (median of {rounds} rounds' ratios, {string.Join(" ", ratios.Select(r => r.ToString("0.000", CultureInfo.InvariantCulture)))}; best of each {error / info:0.000}; target <= 1.10): {(ratio <= 1.10 ? "met" : "NOT met")}; HERMES stand-in got {hermes.Requests} requests");
        Console.WriteLine(verdict);
        var table = new StringBuilder()
            .AppendLine("| run | entries | seconds | entries/s | peak RSS MiB | server cores | every page delivered |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---|");
        foreach (var r in results)
        {
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.Entries:N0} | {r.Elapsed.TotalSeconds:0.00} | {r.LinesPerSecond:N0} | {r.PeakRssMiB:0} | {r.ServerCores:0.00} | {r.Note ?? "–"} |");
        }

        table.AppendLine().AppendLine(verdict);
        Console.WriteLine(table);
        if (writeDoc)
        {
            Report.AppendToDoc(table.ToString(), "## Alerting cost on HTTP ingest");
        }

        return ratio <= 1.10 ? 0 : 1;
    }

    /// <summary>
    /// Messages differ by a word per key (numbers are masked, so they would not make keys) and avoid every known
    /// pattern's keywords; timestamps are now, so nothing is too old to page.
    /// </summary>
    private static List<byte[]> Bodies(int entries, int keys, string level)
    {
        var now = DateTime.UtcNow;
        var bodies = new List<byte[]>();
        var body = new StringBuilder();
        for (var i = 0; i < entries; i++)
        {
            var key = i % keys;
            var line = JsonSerializer.Serialize(new
            {
                timestamp = now.AddTicks(i).ToString("O", CultureInfo.InvariantCulture),
                level,
                agent = $"agent-{(char)('a' + key % Agents)}",
                message = $"request to service {Word(key / Agents)} failed after {1000 + i % 8000} ms with code {5000 + i % 997}",
                source = "bench",
            });
            body.Append(line).Append('\n');
            if ((i + 1) % LinesPerBody == 0 || i == entries - 1)
            {
                bodies.Add(Encoding.UTF8.GetBytes(body.ToString()));
                body.Clear();
            }
        }

        return bodies;
    }

    private static string Word(int n)
    {
        var word = new StringBuilder("svc");
        do
        {
            word.Append((char)('a' + n % 26));
            n /= 26;
        }
        while (n > 0);
        return word.ToString();
    }

    private static async Task<Measurement> PostAsync(BenchServer server, OkListener hermes, List<byte[]> bodies, int entries, string name)
    {
        await server.StartAsync();
        await Warmup.PostAsync(server, Streams, LinesPerBody);
        await UntilWarmedUpAsync(hermes);
        var cpuBefore = server.CpuSeconds();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Streams).Select(stream => Task.Run(async () =>
        {
            for (var i = stream; i < bodies.Count; i += Streams)
            {
                while (true)
                {
                    using var content = new ByteArrayContent(bodies[i]);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                    using var response = await server.Client.PostAsync("/api/logs", content);
                    if (response.IsSuccessStatusCode)
                    {
                        break;
                    }

                    if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                    {
                        throw new InvalidOperationException($"POST answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    }

                    await Task.Delay(100);
                }
            }
        })));
        var elapsed = clock.Elapsed;
        return new Measurement(name, entries, entries, elapsed, server.PeakRssMiB(), server.CpuSeconds() - cpuBefore);
    }

    /// <summary>
    /// The warm-up's own alerting done before the clock starts, in both runs alike: its pages delivered, and a moment
    /// for the notifier to journal the last delivery. Otherwise whichever run follows it pays for that work inside
    /// its window, or (its hand-overs held together with the run's own) outside it.
    /// </summary>
    private static async Task UntilWarmedUpAsync(OkListener hermes)
    {
        var clock = Stopwatch.StartNew();
        while (hermes.WarmupPages < Warmup.PostedErrorKeys)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"the warm-up paged {hermes.WarmupPages} of {Warmup.PostedErrorKeys} times in 2 minutes");
            }

            await Task.Delay(50);
        }

        await Task.Delay(500);
    }

    /// <summary>
    /// What the storm costs beyond the POSTs: waits until the stand-in has every one of the run's pages (one per key,
    /// told by their agents) and reports when, counted from the first POST, and the server's CPU until then.
    /// </summary>
    private static async Task<string> UntilPagedAsync(BenchServer server, OkListener hermes, int keys, Measurement posted)
    {
        var cpuBefore = server.CpuSeconds() - posted.ServerCpuSeconds!.Value;
        var clock = Stopwatch.StartNew();
        var deadline = TimeSpan.FromMinutes(3);
        while (hermes.BenchPages < keys && clock.Elapsed < deadline)
        {
            await Task.Delay(50);
        }

        var pages = hermes.BenchPages;
        var after = posted.Elapsed + clock.Elapsed;
        return pages >= keys
            ? string.Create(CultureInfo.InvariantCulture, $"{after.TotalSeconds:0.0} s, server CPU {server.CpuSeconds() - cpuBefore:0.0} s")
            : $"only {pages} of {keys} after {after.TotalSeconds:0} s";
    }

    /// <summary>HERMES stand-in: 200 with an empty JSON object to every request; counts the pages about the run's agents.</summary>
    private sealed class OkListener : IDisposable
    {
        private readonly HttpListener _listener = new();
        private int _requests;
        private int _benchPages;
        private int _warmupPages;

        public OkListener()
        {
            var port = ServerLaunch.FreePort();
            Url = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Url + "/");
            _listener.Start();
            _ = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public int Requests => Volatile.Read(ref _requests);

        /// <summary>Pages about the benchmark's own agents (agent-a…), not the warm-up's, since the last reset.</summary>
        public int BenchPages => Volatile.Read(ref _benchPages);

        /// <summary>Pages about the warm-up's agent since the last reset.</summary>
        public int WarmupPages => Volatile.Read(ref _warmupPages);

        public void ResetPages()
        {
            Interlocked.Exchange(ref _benchPages, 0);
            Interlocked.Exchange(ref _warmupPages, 0);
        }

        public void Dispose() => _listener.Close();

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                try
                {
                    var context = await _listener.GetContextAsync();
                    Interlocked.Increment(ref _requests);
                    using (var reader = new StreamReader(context.Request.InputStream))
                    {
                        var page = await reader.ReadToEndAsync();
                        if (page.Contains("\"source\":\"agent-", StringComparison.Ordinal))
                        {
                            Interlocked.Increment(ref _benchPages);
                        }
                        else if (page.Contains("\"source\":\"WARMUP\"", StringComparison.Ordinal))
                        {
                            Interlocked.Increment(ref _warmupPages);
                        }
                    }

                    var ok = "{}"u8.ToArray();
                    context.Response.StatusCode = 200;
                    context.Response.ContentType = "application/json";
                    await context.Response.OutputStream.WriteAsync(ok);
                    context.Response.Close();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
            }
        }
    }
}
