using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Xunit.Abstractions;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>
/// SIGTERM under load: the server stops taking requests, lets the POSTs it took commit and answer, and only then
/// stops its actors and the store; what it acknowledged is there after a restart.
/// </summary>
public sealed class ShutdownTests(ITestOutputHelper output)
{
    private const int Streams = 4;
    private const int BatchSize = 5;

    /// <summary>Far above a POST's commit time; a request still unanswered after it hung on the stopping server.</summary>
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Sigterm_under_load_answers_every_request_and_keeps_every_acknowledged_entry()
    {
        await using var server = new ServerProcess();
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.Client.BaseAddress, Timeout = ClientTimeout };

        var acknowledged = new ConcurrentBag<string>();
        var hung = new ConcurrentBag<string>();
        var refused = 0;
        var unavailable = 0;
        var stop = new CancellationTokenSource();
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
                        Assert.Fail($"POST answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
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
                    hung.Add(messages[0]);
                }
            }
        })).ToList();

        await ServerProcess.EventuallyAsync(() => Task.FromResult(acknowledged.Count), n => n >= Streams * BatchSize * 20, TimeSpan.FromSeconds(30));
        var beforeStop = acknowledged.Count;
        Assert.True(beforeStop > 0, "no POST was acknowledged before the stop");

        var clock = Stopwatch.StartNew();
        server.Terminate();
        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var shutdown = clock.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(streams);
        output.WriteLine(
            $"shutdown took {shutdown.TotalSeconds:0.00} s; {beforeStop} entries acknowledged before SIGTERM, {acknowledged.Count} in all; " +
            $"{refused} POSTs refused, {unavailable} answered 503, {hung.Count} hung");

        Assert.True(exitCode == 0, $"the server exited with {exitCode}:\n{server.Output}");
        Assert.Empty(hung);

        await server.StartAsync();
        var stored = (await server.AllEntriesAsync())
            .Select(e => e.GetProperty("message").GetString()!)
            .GroupBy(m => m)
            .ToDictionary(g => g.Key, g => g.Count());
        var missing = acknowledged.Where(m => !stored.ContainsKey(m)).ToList();
        var doubled = stored.Where(s => s.Value > 1).Select(s => s.Key).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged entries missing after the restart, e.g. {string.Join(", ", missing.Take(5))}");
        Assert.True(doubled.Count == 0, $"{doubled.Count} entries stored twice, e.g. {string.Join(", ", doubled.Take(5))}");
    }
}
