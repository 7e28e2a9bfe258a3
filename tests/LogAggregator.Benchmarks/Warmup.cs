using System.Net.Http.Headers;
using System.Text;

namespace LogAggregator.Benchmarks;

/// <summary>
/// A server that has run for a while: before the clock starts, each server ingests a small separate workload
/// through the same path (a tailed file, or POSTs), so what is timed is steady ingestion, not the JIT compiling
/// the ingest path on its first lines. The warm-up lines use all five formats and a different agent.
/// </summary>
public static class Warmup
{
    public const int Lines = 100_000;

    /// <summary>Distinct ERROR keys of the posted warm-up (<see cref="Posted"/>): each pages once.</summary>
    public const int PostedErrorKeys = 50;

    public static byte[] Content()
    {
        var text = new StringBuilder(Lines * 90);
        for (var i = 0; i < Lines; i++)
        {
            text.Append((i % 5) switch
            {
                0 => $$$"""{"timestamp":"2024-01-15T10:30:00Z","level":"INFO","agent":"WARMUP","message":"warm-up json {{{i}}}","metadata":{"n":{{{i}}}}}""",
                1 => $"2024-01-15 10:30:00.123 - WARNING - WARMUP - warm-up standard {i}",
                2 => $"[ERROR] WARMUP: warm-up bracketed {i}",
                3 => $"INFO: warm-up simple {i}",
                _ => $"warm-up plain {i}",
            }).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Tails <see cref="Lines"/> entries from warmup.log and waits until all are stored.</summary>
    public static async Task TailAsync(BenchServer server)
    {
        await File.WriteAllBytesAsync(Path.Combine(server.LogDir, "warmup.log"), Content());
        await Poll.UntilStoredAsync(server, Lines);
    }

    /// <summary>
    /// A non-JSON warm-up line as a JSON entry of the same level, so the posted warm-up also runs what WARNING and
    /// ERROR entries cost: the pattern check, masking, the hand-off to alerting, and deciders for
    /// <see cref="PostedErrorKeys"/> keys (so the deciders' creation, journaling and a HERMES delivery are compiled
    /// before the clock starts, too).
    /// </summary>
    private static string Posted(int i) => (i % 5) switch
    {
        1 => $$"""{"agent":"WARMUP","level":"WARNING","message":"warm-up posted {{i}}"}""",
        2 => $$"""{"agent":"WARMUP","level":"ERROR","message":"warm-up failed in step {{(char)('a' + i / 5 % PostedErrorKeys / 10)}}{{(char)('a' + i / 5 % 10)}} after {{i}} ms"}""",
        _ => $$"""{"agent":"WARMUP","message":"warm-up posted {{i}}"}""",
    };

    /// <summary>Posts the same entries as NDJSON from the benchmark's streams and waits for every answer.</summary>
    public static async Task PostAsync(BenchServer server, int streams, int linesPerBody)
    {
        var lines = Encoding.UTF8.GetString(Content()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select((line, i) => line.StartsWith('{') ? line : Posted(i))
            .ToList();
        var bodies = lines.Chunk(linesPerBody).Select(chunk => Encoding.UTF8.GetBytes(string.Join('\n', chunk))).ToList();
        await Task.WhenAll(Enumerable.Range(0, streams).Select(stream => Task.Run(async () =>
        {
            for (var i = stream; i < bodies.Count; i += streams)
            {
                using var content = new ByteArrayContent(bodies[i]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                using var response = await server.Client.PostAsync("/api/logs", content);
                response.EnsureSuccessStatusCode();
            }
        })));
    }
}
