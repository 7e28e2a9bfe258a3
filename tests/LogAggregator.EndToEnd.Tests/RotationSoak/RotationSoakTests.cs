using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace LogAggregator.EndToEnd.Tests.RotationSoak;

/// <summary>
/// The rotation soak (issue 7): four agents append to four files tailed as LOG_SOURCES=logs/*.log while Debian's
/// logrotate forces a rotation every 200 ms, for 60 s (LOGAGG_SOAK_SECONDS shortens it for local runs), with one
/// graceful restart (SIGTERM, start) at a third and one crash (SIGKILL, start) at two thirds. After each stop
/// logrotate rotates exactly once more before the server starts again (the nightly rotation that happened while
/// the server was down); more than one rotation while down would push files the server never saw past reach of
/// any tailer. Then every line must be stored exactly once, counted per writer.
/// </summary>
public sealed partial class RotationSoakTests(ITestOutputHelper output)
{
    private const int Writers = 4;

    private static TimeSpan Duration =>
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("LOGAGG_SOAK_SECONDS"), CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 60);

    [SkippableTheory]
    [InlineData(RotationMode.Create)]
    [InlineData(RotationMode.CopyTruncate)]
    [InlineData(RotationMode.DateExtCompress)]
    public async Task Every_line_is_stored_exactly_once_through_forced_rotations_a_restart_and_a_crash(RotationMode mode)
    {
        var binary = Logrotate.Find();
        Skip.If(binary is null, "logrotate is not installed (.ci/run installs it: apt-get install logrotate)");

        await using var server = new ServerProcess();
        var logs = Enumerable.Range(0, Writers).Select(i => Path.Combine(server.LogDir, $"app{i}.log")).ToList();
        var writers = logs.Select((path, i) => new SoakWriter(i, path, Path.Combine(server.Root, "rotate", "control"))).ToList();
        var rotate = Logrotate.Create(binary!, Path.Combine(server.Root, "rotate"), mode, logs);
        var timeline = new StringBuilder();
        var serverOutput = new StringBuilder();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Note(string what) =>
            timeline.Append($"  {clock.Elapsed.TotalSeconds,5:0.0} s  {what}; written: {string.Join(" ", writers.Select(w => $"{w.Agent}={w.Written}"))}\n");

        try
        {
            // The files exist before the server starts and nothing is written before it tails them: lines written
            // to a file rotated out of the globs before the server ever saw it are no server's to find.
            Directory.CreateDirectory(server.LogDir);
            logs.ForEach(l => File.WriteAllBytes(l, []));
            await server.StartAsync();
            await SoakProgress.WaitUntilTailingAsync(server, Writers);
            writers.ForEach(w => w.Start());
            rotate.Start();
            Note("writing and rotating");

            await Task.Delay(Duration / 3);
            await RestartAsync(server, rotate, writers, Note, serverOutput, crash: false);
            await Task.Delay(Duration / 3);
            await RestartAsync(server, rotate, writers, Note, serverOutput, crash: true);
            await Task.Delay(Duration / 3);

            await rotate.DisposeAsync();
            writers.ForEach(w => w.Stop());
            Note("writers and logrotate stopped");

            var counts = await SoakProgress.SettleAsync(server, writers);
            Note($"settled at {string.Join(" ", counts.SkipLast(1).Select((c, i) => $"W{i}={c}"))}, {counts[^1]} entries in all");
            var tally = await SoakTally.ReadAsync(server, writers);

            serverOutput.Append(server.Output);
            var rotations = rotate.Rotations();
            var report = $"""
                {mode}: {tally.Describe()}
                logrotate: {rotate.Runs} runs; rotations per file: {string.Join(", ", logs.Select(l => $"{Path.GetFileName(l)} {rotations.GetValueOrDefault(l)}"))}; copies made unpaused: {rotate.Unpaused()}
                {string.Join("\n", rotate.Errors().Select(e => "  logrotate said " + e))}
                timeline:
                {timeline}
                server warnings:
                {Warnings(serverOutput.ToString())}
                """;
            output.WriteLine(report);
            if (Environment.GetEnvironmentVariable("LOGAGG_SOAK_SERVER_LOG") is { Length: > 0 } keep)
            {
                // For whoever debugs a failure: the servers' whole output, the soak's files stay deleted.
                await File.WriteAllTextAsync($"{keep}.{mode}.log", serverOutput.ToString() + "\n" + report);
            }

            // The positive control: rotations did happen, to every file, while it was written and ingested.
            var least = Math.Max(3, (int)(Duration.TotalSeconds / 10));
            Assert.True(logs.All(l => rotations.GetValueOrDefault(l) >= least), $"fewer than {least} rotations of some file:\n{report}");
            Assert.True(rotate.Unpaused() == 0, $"a copytruncate copy ran while its writer was writing:\n{report}");
            Assert.True(tally.Exact, $"lines lost, doubled or garbled:\n{report}");
        }
        finally
        {
            await rotate.DisposeAsync();
            writers.ForEach(w => w.Dispose());
        }
    }

    /// <summary>
    /// Holds logrotate, lets the server catch up with what was written until then, SIGTERM and wait, or SIGKILL; one
    /// rotation while the server is down; start it again. Catching up first keeps it to one rotation while down for
    /// every file: with `delaycompress` the rotation while down compresses the file rotated just before the stop, and
    /// a line the server had no time to read from it before the stop would be gone with it (gzip output is never read).
    /// </summary>
    private static async Task RestartAsync(
        ServerProcess server, Logrotate rotate, List<SoakWriter> writers, Action<string> note, StringBuilder serverOutput, bool crash)
    {
        using (await rotate.HoldAsync())
        {
            await CaughtUpAsync(server, writers, rotate.ControlDir);
            note(crash ? "SIGKILL" : "SIGTERM");
            if (crash)
            {
                await server.KillAsync();
            }
            else
            {
                await server.StopAsync();
            }

            serverOutput.Append(server.Output);
            await rotate.RunOnceAsync();
            note("rotated once while down; starting");
            await server.StartAsync();
            await SoakProgress.WaitUntilTailingAsync(server, Writers);
            note("started again");
        }
    }

    /// <summary>
    /// Once every writer has reopened its file after the last rotation, waits (at most a minute) until the server has
    /// stored every line written until then; the writers keep writing meanwhile.
    /// </summary>
    private static async Task CaughtUpAsync(ServerProcess server, List<SoakWriter> writers, string controlDir)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Directory.EnumerateFiles(controlDir, "*.reopen").Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        // Every line before the hold, not merely as many lines: lines of the new file can be stored before the last
        // line of the rotated one. A writer's timestamps grow with its sequence numbers, so a time range counts them.
        var written = writers.Select(w => (w.Agent, Written: w.Written)).ToList();
        foreach (var (agent, count) in written)
        {
            var before = Uri.EscapeDataString(SoakWriter.TimestampOf(count).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            while (DateTime.UtcNow < deadline
                && (await server.GetJsonAsync($"/api/logs?limit=1&agent={agent}&end_time={before}")).GetProperty("total").GetInt64() < count)
            {
                await Task.Delay(100);
            }
        }
    }


    /// <summary>What the tailers said they saw, counted, and the server's warnings and errors that are not start-up noise.</summary>
    private static string Warnings(string output)
    {
        var lines = output.Split('\n');
        var noticed = string.Join(", ", NoticedLine().Matches(output).GroupBy(m => m.Value).Select(g => $"{g.Count()} × \"{g.Key}\""));
        var warnings = lines.Where(l => WarningLine().IsMatch(l) && !l.Contains("ClusterSingletonProxy failed to find", StringComparison.Ordinal)).ToList();
        return "  tailers logged: " + (noticed.Length == 0 ? "nothing about rotation" : noticed) + "\n"
            + string.Join("\n", warnings.Take(20).Select(l => "  " + l.Trim()))
            + (warnings.Count > 20 ? $"\n  … {warnings.Count} in all" : "");
    }

    [GeneratedRegex(@"Tailing /|was rotated|was truncated|shorter than its checkpoint|is gone")]
    private static partial Regex NoticedLine();

    [GeneratedRegex(@"\[(WARNING|ERROR)\]|^\s*(fail|crit):")]
    private static partial Regex WarningLine();
}
