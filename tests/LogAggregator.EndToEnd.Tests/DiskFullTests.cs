using System.Net;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>
/// A full disk under a real server (a tmpfs the test mounts as AGGREGATED_DIR): writes are refused with 503 and
/// Retry-After, /health says degraded and why, SIGTERM still exits cleanly, and once space returns ingestion resumes
/// and everything acknowledged is there exactly once.
/// </summary>
public sealed class DiskFullTests(ITestOutputHelper output)
{
    private const int SmallDiskMegabytes = 8;
    private const int RoomyDiskMegabytes = 128;

    [SkippableFact]
    public async Task Full_disk_turns_health_degraded_and_both_recover_without_a_restart_once_space_returns()
    {
        using var disk = MountOrSkip();
        await using var server = await StartOnAsync(disk);

        var acknowledged = await FillAsync(server);
        await AssertDegradedAsync(server);

        disk.Resize(RoomyDiskMegabytes);
        // Nobody writes: health must find out by itself that writes succeed again.
        var health = await ServerProcess.EventuallyAsync(() => server.Client.GetAsync("/health"), r => r.IsSuccessStatusCode, TimeSpan.FromSeconds(30));
        Assert.True(health.IsSuccessStatusCode, $"/health still answers {(int)health.StatusCode} after space returned: {await health.Content.ReadAsStringAsync()}");
        Assert.Equal("healthy", (await JsonAsync(health)).GetProperty("status").GetString());

        var after = await PostAsync(server, "after-space-returned", 0, 10);
        Assert.True(after.IsSuccessStatusCode, $"POST after space returned answered {(int)after.StatusCode}: {await after.Content.ReadAsStringAsync()}");
        acknowledged.AddRange(Messages("after-space-returned", 0, 10));

        await AssertStoredExactlyOnceAsync(server, acknowledged);
    }

    [SkippableFact]
    public async Task Sigterm_with_a_full_disk_exits_cleanly_and_a_restart_with_space_has_every_acknowledged_entry()
    {
        using var disk = MountOrSkip();
        await using var server = await StartOnAsync(disk);

        var acknowledged = await FillAsync(server);
        await AssertDegradedAsync(server);

        server.Terminate();
        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, $"the server exited with {exitCode} on a full disk:\n{server.Output}");

        disk.Resize(RoomyDiskMegabytes);
        await server.StartAsync();
        var health = await server.Client.GetAsync("/health");
        Assert.True(health.IsSuccessStatusCode, $"/health answered {(int)health.StatusCode} after the restart: {await health.Content.ReadAsStringAsync()}");
        await AssertStoredExactlyOnceAsync(server, acknowledged);
    }

    private static TmpfsMount MountOrSkip()
    {
        var disk = TmpfsMount.TryMount(SmallDiskMegabytes, out var whyNot);
        Skip.If(disk is null, whyNot);
        return disk!;
    }

    private static async Task<ServerProcess> StartOnAsync(TmpfsMount disk)
    {
        var server = new ServerProcess();
        server.Environment["AGGREGATED_DIR"] = disk.Path;
        await server.StartAsync();
        return server;
    }

    /// <summary>Posts batches of incompressible entries until the server refuses one; returns what it acknowledged.</summary>
    private async Task<List<string>> FillAsync(ServerProcess server)
    {
        var acknowledged = new List<string>();
        for (var batch = 0; batch < 2_000; batch++)
        {
            var response = await PostAsync(server, "fill", batch, 50);
            if (response.IsSuccessStatusCode)
            {
                acknowledged.AddRange(Messages("fill", batch, 50));
                continue;
            }

            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"a POST on a full disk answered {(int)response.StatusCode}: {body}");
            Assert.True(response.Headers.RetryAfter is not null, "a 503 on a full disk carries no Retry-After");
            Assert.NotEmpty(acknowledged);
            output.WriteLine($"refused after {acknowledged.Count} entries: {body}");
            return acknowledged;
        }

        Assert.Fail($"the disk of {SmallDiskMegabytes} MB never filled up:\n{server.Output}");
        return acknowledged;
    }

    private async Task AssertDegradedAsync(ServerProcess server)
    {
        var health = await server.Client.GetAsync("/health");
        var body = await health.Content.ReadAsStringAsync();
        Assert.True(health.StatusCode == HttpStatusCode.ServiceUnavailable, $"/health answered {(int)health.StatusCode} on a full disk: {body}");
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("degraded", json.GetProperty("status").GetString());
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("reason").GetString()), body);
        output.WriteLine("degraded: " + json.GetProperty("reason").GetString());
    }

    private static async Task AssertStoredExactlyOnceAsync(ServerProcess server, List<string> acknowledged)
    {
        var stored = (await server.AllEntriesAsync())
            .Select(e => e.GetProperty("message").GetString()!)
            .GroupBy(m => m[..m.IndexOf(' ')])
            .ToDictionary(g => g.Key, g => g.Count());
        var missing = acknowledged.Where(m => !stored.ContainsKey(m)).ToList();
        var doubled = stored.Where(s => s.Value > 1).Select(s => s.Key).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged entries missing, e.g. {string.Join(", ", missing.Take(5))}");
        Assert.True(doubled.Count == 0, $"{doubled.Count} entries stored twice, e.g. {string.Join(", ", doubled.Take(5))}");
    }

    private static IEnumerable<string> Messages(string phase, int batch, int count) =>
        Enumerable.Range(0, count).Select(i => $"{phase}-{batch}-{i}");

    /// <summary>Each message is its unique key, a space, then 2 KB of random hex that DuckDB cannot compress away.</summary>
    private static Task<HttpResponseMessage> PostAsync(ServerProcess server, string phase, int batch, int count)
    {
        var body = new StringBuilder();
        foreach (var key in Messages(phase, batch, count))
        {
            var noise = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(1024));
            body.Append($$"""{"message":"{{key}} {{noise}}","agent":"DISK"}""").Append('\n');
        }

        return server.Client.PostAsync("/api/logs", new StringContent(body.ToString(), Encoding.UTF8, "application/x-ndjson"));
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}
