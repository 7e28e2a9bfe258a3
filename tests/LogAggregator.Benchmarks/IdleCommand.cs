using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using static System.FormattableString;

namespace LogAggregator.Benchmarks;

/// <summary>
/// `idle`: what thousands of tailed files cost while nobody writes to them. The Release server tails N files of one
/// line each; once every file is tailed and stored, its CPU seconds (utime + stime of /proc/pid/stat) are measured
/// over a quiet minute. The same minute of a server tailing nothing is the baseline (the machine may be busy with
/// other work, and an idle server has timers of its own). Target: under 5% of one core with 2,000 files.
/// </summary>
public static class IdleCommand
{
    private const double TargetPercent = 5.0;

    public static async Task<int> RunAsync(string[] args)
    {
        var files = 2000;
        var seconds = 60;
        var writeDoc = true;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--files": files = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--no-doc": writeDoc = false; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        var root = Path.Combine(Path.GetTempPath(), "logagg-bench-idle-" + Guid.NewGuid().ToString("N")[..12]);
        var baseline = await MeasureAsync(Path.Combine(root, "baseline"), 0, seconds);
        Console.WriteLine(Invariant($"0 files: {baseline.Percent:0.00}% of one core ({baseline.CpuSeconds:0.00} CPU s in {seconds} s)"));
        var loaded = await MeasureAsync(Path.Combine(root, "files"), files, seconds);
        Console.WriteLine(Invariant($"{files:N0} files: {loaded.Percent:0.00}% of one core ({loaded.CpuSeconds:0.00} CPU s in {seconds} s), tailed after {loaded.Setup.TotalSeconds:0.0} s, VmRSS {loaded.RssMiB:0} MiB"));

        var verdict = loaded.Percent < TargetPercent ? "met" : "missed";
        var table = string.Join('\n',
            Invariant($"### Idle files, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"),
            "",
            Report.MachineLine(),
            "",
            "| tailed files | server CPU over the quiet window | % of one core | target | VmRSS | all tailed and stored after |",
            "|---:|---:|---:|---|---:|---:|",
            Invariant($"| 0 (baseline) | {baseline.CpuSeconds:0.00} s in {seconds} s | {baseline.Percent:0.00} | | {baseline.RssMiB:0} MiB | |"),
            Invariant($"| {files:N0} | {loaded.CpuSeconds:0.00} s in {seconds} s | {loaded.Percent:0.00} | < {TargetPercent:0} %: {verdict} | {loaded.RssMiB:0} MiB | {loaded.Setup.TotalSeconds:0.0} s |"));
        Console.WriteLine();
        Console.WriteLine(table);
        if (writeDoc)
        {
            Report.AppendToDoc(table, "## Idle files results");
        }

        return verdict == "met" ? 0 : 1;
    }

    private sealed record Result(double CpuSeconds, double Percent, double RssMiB, TimeSpan Setup);

    private static async Task<Result> MeasureAsync(string root, int files, int seconds)
    {
        await using var server = new BenchServer(root);
        for (var i = 0; i < files; i++)
        {
            // One agent for all: the cost measured is the tailers', not that of 2,000 agent stores (one per file's agent).
            await File.WriteAllTextAsync(
                Path.Combine(server.LogDir, Invariant($"idle-{i:D5}.log")), Invariant($"{DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} - INFO - IDLE - idle file {i} is tailed\n"));
        }

        var setup = Stopwatch.StartNew();
        await server.StartAsync();
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (await server.TotalLogsAsync() < files || await TailedAsync(server) < files)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{files} files were not all tailed and stored within 5 minutes:\n{server.Output}");
            }

            await Task.Delay(500);
        }

        setup.Stop();

        // Let start-up work finish and every tailer's poll back off to its longest interval.
        await Task.Delay(TimeSpan.FromSeconds(15));
        var before = server.CpuSeconds();
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var used = server.CpuSeconds() - before;
        var elapsed = clock.Elapsed.TotalSeconds;
        return new Result(used, used / elapsed * 100, server.RssMiB(), setup.Elapsed);
    }

    private static async Task<int> TailedAsync(BenchServer server)
    {
        using var document = JsonDocument.Parse(await server.Client.GetStringAsync("/health"));
        return document.RootElement.TryGetProperty("ingestion", out var ingestion) && ingestion.ValueKind == JsonValueKind.Object
            ? ingestion.GetProperty("tailed_files").GetInt32()
            : -1;
    }
}
