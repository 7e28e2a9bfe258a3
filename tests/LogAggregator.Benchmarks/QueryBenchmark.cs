using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace LogAggregator.Benchmarks;

/// <summary>One query's timings over HTTP, and what it is held to.</summary>
public sealed record QueryTiming(string Name, string Path, double First, double P50, double P95, string Target, bool? Met, double? GrepMs, long Returned);

/// <summary>
/// The issue's read questions, asked of the real Release server over HTTP on a prepared store, each after
/// warm-ups; grep over the same entries as a plain file is the raw scan limit the searches are compared with.
/// </summary>
public static class QueryBenchmark
{
    public const string AgentFilter = "ATLAS";
    public const string SelectiveRegex = @"user\d+@example\.com";
    public const string NothingRegex = "zq[0-9]{3}xj";

    /// <summary>The selective regex in POSIX ERE: GNU grep -E reads \d as a plain d and would count nothing.</summary>
    private const string SelectiveRegexEre = @"user[0-9]+@example\.com";
    private const int WarmUps = 2;

    public static async Task<(List<QueryTiming> Timings, Dictionary<string, (double C, double Default)> Grep)> RunAsync(
        BenchServer server, QueryStore store, int repeats)
    {
        var grep = new Dictionary<string, (double C, double Default)>
        {
            [SelectiveRegex] = (Grep(store.PlainFile, SelectiveRegexEre, "C"), Grep(store.PlainFile, SelectiveRegexEre, null)),
            [QueryStore.RareLiteral] = (Grep(store.PlainFile, QueryStore.RareLiteral, "C"), Grep(store.PlainFile, QueryStore.RareLiteral, null)),
            [NothingRegex] = (Grep(store.PlainFile, NothingRegex, "C"), Grep(store.PlainFile, NothingRegex, null)),
        };

        var oldest = store.FirstDay.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var tomorrow = store.LastDay.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var timings = new List<QueryTiming>
        {
            await TimeAsync(server, "agent+level first page", $"/api/logs?agent={AgentFilter}&level=ERROR&limit=100", repeats, "≤ 10 ms", 10, null, "logs"),
            await TimeAsync(
                server, "time-range page, oldest day, offset 500",
                $"/api/logs?start_time={Iso(oldest.AddHours(10))}&end_time={Iso(oldest.AddHours(14))}&limit=100&offset=500", repeats, "≤ 10 ms", 10, null, "logs"),
            await TimeAsync(server, "search selective regex", $"/api/logs/search?q={Uri.EscapeDataString(SelectiveRegex)}", repeats, "≤ 100 ms", 100, grep[SelectiveRegex].C, "results"),
            await TimeAsync(server, "search rare literal", $"/api/logs/search?q={QueryStore.RareLiteral}", repeats, "≤ 100 ms", 100, grep[QueryStore.RareLiteral].C, "results"),
            await TimeAsync(
                server, "search regex matching nothing", $"/api/logs/search?q={Uri.EscapeDataString(NothingRegex)}", repeats, "≤ 2× grep",
                2 * grep[NothingRegex].C, grep[NothingRegex].C, "results"),
            await TimeAsync(
                server, "histogram by hour, 7 days", $"/api/logs/histogram?interval=hour&start_time={Iso(oldest)}&end_time={Iso(tomorrow)}", repeats,
                "≤ 300 ms", 300, null, "buckets"),
            await TimeAsync(server, "error summary, 24 h", "/api/errors/summary?hours=24", repeats, "≤ 300 ms", 300, null, "top_errors"),
            await TimeAsync(server, "stats", "/api/stats", repeats, "", null, null, "log_files"),
        };
        return (timings, grep);
    }

    internal static async Task<QueryTiming> TimeAsync(
        BenchServer server, string name, string path, int repeats, string target, double? limitMs, double? grepMs, string listProperty)
    {
        // The first call is timed on its own: caches (DuckDB's buffers, the error tallies) are cold then.
        var cold = Stopwatch.StartNew();
        var returned = await FetchAsync(server, path, listProperty);
        var first = cold.Elapsed.TotalMilliseconds;
        for (var i = 1; i < WarmUps; i++)
        {
            returned = await FetchAsync(server, path, listProperty);
        }

        var samples = new List<double>(repeats);
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            await FetchAsync(server, path, listProperty);
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }

        samples.Sort();
        var p50 = Percentile(samples, 0.50);
        var timing = new QueryTiming(name, path, first, p50, Percentile(samples, 0.95), target, limitMs is { } l ? p50 <= l : null, grepMs, returned);
        Console.WriteLine(Invariant($"{name}: first {first:0.0} ms, p50 {timing.P50:0.0} ms, p95 {timing.P95:0.0} ms, {returned} returned  ({path})"));
        return timing;
    }

    private static async Task<long> FetchAsync(BenchServer server, string path, string listProperty)
    {
        using var response = await server.Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}: {body}");
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty(listProperty, out var list) && list.ValueKind == JsonValueKind.Array ? list.GetArrayLength() : -1;
    }

    /// <summary>Median of three runs of <c>grep -c -E</c>, in ms; <paramref name="locale"/> null keeps the environment's.</summary>
    private static double Grep(string file, string pattern, string? locale)
    {
        var runs = new List<double>();
        string count = "";
        for (var i = 0; i < 3; i++)
        {
            var info = new ProcessStartInfo("grep", ["-c", "-E", pattern, file]) { RedirectStandardOutput = true, UseShellExecute = false };
            if (locale is not null)
            {
                info.Environment["LC_ALL"] = locale;
            }

            var clock = Stopwatch.StartNew();
            using var process = Process.Start(info)!;
            count = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            runs.Add(clock.Elapsed.TotalMilliseconds);
        }

        runs.Sort();
        Console.WriteLine(Invariant($"grep -c -E '{pattern}' (LC_ALL={locale ?? Environment.GetEnvironmentVariable("LC_ALL") ?? "", -0}, LANG={Environment.GetEnvironmentVariable("LANG")}): {runs[1]:0} ms, {count} lines"));
        return runs[1];
    }

    internal static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    internal static string Iso(DateTime time) => time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
