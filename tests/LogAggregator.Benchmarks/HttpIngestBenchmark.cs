using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace LogAggregator.Benchmarks;

/// <summary>
/// Four shippers POST their share of the rows, back to back, as NDJSON to /api/logs, or in one of the ecosystem's
/// wire formats (OTLP protobuf to /v1/logs, snappy protobuf to /loki/api/v1/push); a 2xx means the entries are
/// committed, so the clock stops when the last request is answered. A 503 (stores busy) is retried and counted.
/// </summary>
public static class HttpIngestBenchmark
{
    public const int Streams = 4;

    /// <summary>What one run posts: its bodies, where, and as what.</summary>
    public sealed record Wire(string Name, string Path, string ContentType, Func<Workload, int, List<byte[]>> Bodies)
    {
        public static readonly Wire Ndjson = new("HTTP NDJSON", "/api/logs", "application/x-ndjson", (w, n) => w.NdjsonBodies(n));
        public static readonly Wire Otlp = new("OTLP protobuf", "/v1/logs", "application/x-protobuf", ProtocolBodies.Otlp);
        public static readonly Wire Loki = new("Loki protobuf (snappy)", "/loki/api/v1/push", "application/x-protobuf", ProtocolBodies.Loki);
    }

    public static Task<Measurement> RunAsync(Workload workload, BenchServer server, int linesPerBody) =>
        RunAsync(workload, server, linesPerBody, Wire.Ndjson);

    public static async Task<Measurement> RunAsync(Workload workload, BenchServer server, int linesPerBody, Wire wire)
    {
        var bodies = wire.Bodies(workload, linesPerBody);
        await server.StartAsync();
        await Warmup.PostAsync(server, Streams, linesPerBody);
        var cpuBefore = server.CpuSeconds();
        var storeCpuBefore = server.StoreCpuSeconds?.Invoke();
        var retries = 0;

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Streams).Select(stream => Task.Run(async () =>
        {
            for (var i = stream; i < bodies.Count; i += Streams)
            {
                while (true)
                {
                    using var content = new ByteArrayContent(bodies[i]);
                    content.Headers.ContentType = new MediaTypeHeaderValue(wire.ContentType);
                    using var response = await server.Client.PostAsync(wire.Path, content);
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

        // Lines here are entries: each NDJSON line (or record) is one (already assembled) entry.
        return new Measurement(wire.Name, workload.Entries, workload.Entries, elapsed, server.PeakRssMiB(), server.CpuSeconds() - cpuBefore, note,
            server.StoreCpuSeconds?.Invoke() - storeCpuBefore);
    }
}
