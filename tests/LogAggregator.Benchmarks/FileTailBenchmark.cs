using System.Diagnostics;

namespace LogAggregator.Benchmarks;

/// <summary>
/// Agents' files grow in the tailed directory as fast as the disk takes them; the clock runs from the first
/// write until /api/stats counts every entry. The files exist (empty) before the server starts, as an
/// agent's log file does, so the measurement holds tailing and storing, not the first glob scan; and the
/// server has tailed a warm-up file first (<see cref="Warmup"/>).
/// </summary>
public static class FileTailBenchmark
{
    private const int WriteChunk = 1 << 20;

    public static async Task<Measurement> RunAsync(Workload workload, BenchServer server)
    {
        foreach (var file in workload.Files)
        {
            File.WriteAllBytes(Path.Combine(server.LogDir, file.Name), []);
        }

        await server.StartAsync();
        // The tailers are started by the first scan; give it a moment so no file waits for the next one.
        await Task.Delay(1500);
        await Warmup.TailAsync(server);
        var cpuBefore = server.CpuSeconds();
        var storeCpuBefore = server.StoreCpuSeconds?.Invoke();

        var clock = Stopwatch.StartNew();
        var writing = Task.WhenAll(workload.Files.Select(f => Task.Run(() => Write(Path.Combine(server.LogDir, f.Name), f.Content))));
        var expected = workload.Entries;
        var stored = await Poll.UntilStoredAsync(server, Warmup.Lines + expected) - Warmup.Lines;
        var elapsed = clock.Elapsed;
        await writing;
        var note = $"{workload.Files.Count} file(s), {workload.Bytes / 1e6:0} MB";
        if (stored < expected)
        {
            note += $"; STALLED at {stored} of {expected} entries";
        }
        else if (stored > expected)
        {
            // The tailer split an entry the parser kept whole (a stack trace cut by a flush): a correctness finding.
            note += $"; {stored - expected} more entries stored than parsed";
        }

        Threads.Print(server);

        return new Measurement("file tail", workload.Lines, expected, elapsed, server.PeakRssMiB(), server.CpuSeconds() - cpuBefore, note,
            server.StoreCpuSeconds?.Invoke() - storeCpuBefore);
    }

    private static void Write(string path, byte[] content)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 0);
        for (var offset = 0; offset < content.Length; offset += WriteChunk)
        {
            stream.Write(content, offset, Math.Min(WriteChunk, content.Length - offset));
        }
    }
}
