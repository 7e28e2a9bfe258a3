using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace LogAggregator.Benchmarks;

/// <summary>
/// Four shippers POST their share of the rows as NDJSON bodies, back to back; a 2xx means the entries are
/// committed, so the clock stops when the last request is answered. A 503 (stores busy) is retried and counted.
/// </summary>
public static class HttpIngestBenchmark
{
    public const int Streams = 4;

    public static async Task<Measurement> RunAsync(Workload workload, BenchServer server, int linesPerBody)
    {
        var bodies = workload.NdjsonBodies(linesPerBody);
        await server.StartAsync();
        await Warmup.PostAsync(server, Streams, linesPerBody);
        var cpuBefore = server.CpuSeconds();
        var retries = 0;

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
                        throw new InvalidOperationException(
                            $"POST answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    }

                    Interlocked.Increment(ref retries);
                    await Task.Delay(100);
                }
            }
        })));
        var elapsed = clock.Elapsed;

        var stored = await server.TotalLogsAsync() - Warmup.Lines;
        var note = $"{Streams} streams, {linesPerBody} lines/body, {bodies.Count} bodies";
        if (retries > 0)
        {
            note += $", {retries} retried 503s";
        }

        Threads.Print(server);
        if (stored != workload.Entries)
        {
            note += $"; total_logs {stored} != {workload.Entries}";
        }

        // Lines here are entries: each NDJSON line is one (already assembled) entry.
        return new Measurement("HTTP NDJSON", workload.Entries, workload.Entries, elapsed, server.PeakRssMiB(), server.CpuSeconds() - cpuBefore, note);
    }
}
