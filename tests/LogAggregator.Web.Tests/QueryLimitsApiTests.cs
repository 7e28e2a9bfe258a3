using System.Net;
using System.Text.Json;

namespace LogAggregator.Web.Tests;

/// <summary>Fair use of regex scans (issue 12): how many run at once, and how wide a range one may cover.</summary>
public sealed class QueryLimitsApiTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_search_beyond_the_concurrent_limit_gets_503_with_Retry_After_and_is_served_once_a_slot_frees()
    {
        await using var server = await BlockingSearchServer.StartAsync("log-aggregator.http.max-concurrent-searches = 1\nlog-aggregator.http.ask-timeout = 10m\n");
        using var holder = new CancellationTokenSource();
        var holding = server.Host.Client.GetAsync("/api/logs/search?q=" + Uri.EscapeDataString(ScanBlockingStore.Blocking), holder.Token);
        await server.Store.Started.Task.WaitAsync(Patience);

        using var refused = await server.Host.Client.GetAsync("/api/logs/search?q=other");
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("max-concurrent-searches", problem.GetProperty("detail").GetString());
        // A query that scans nothing by regex is not held back by the searches.
        Assert.Equal(HttpStatusCode.OK, (await server.Host.Client.GetAsync("/api/logs?limit=1")).StatusCode);

        await holder.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => holding);
        await server.Store.Cancelled.Task.WaitAsync(Patience);
        var served = await ServerHost.EventuallyOkAsync(server.Host, "/api/logs/search?q=other", Patience);
        Assert.Equal(HttpStatusCode.OK, served);
    }

    [Theory]
    [InlineData("", HttpStatusCode.BadRequest)]
    [InlineData("&start_time=2026-01-01T00:00:00Z&end_time=2026-01-01T02:00:00Z", HttpStatusCode.BadRequest)]
    [InlineData("&start_time=2026-01-01T00:00:00Z&end_time=2026-01-01T00:30:00Z", HttpStatusCode.OK)]
    public async Task With_a_widest_search_range_a_search_must_name_a_range_within_it(string range, HttpStatusCode expected)
    {
        await using var server = await BlockingSearchServer.StartAsync("log-aggregator.http.max-search-range = 1h\n");

        using var search = await server.Host.Client.GetAsync("/api/logs/search?q=err" + range);
        using var export = await server.Host.Client.GetAsync("/api/logs/export?format=ndjson&q=err" + range);

        Assert.Equal(expected, search.StatusCode);
        Assert.Equal(expected, export.StatusCode);
        if (expected == HttpStatusCode.BadRequest)
        {
            var problem = JsonDocument.Parse(await search.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("start_time", problem.GetProperty("field").GetString());
            Assert.Contains("max-search-range", problem.GetProperty("detail").GetString());
        }

        // Without a regex nothing is scanned by it, so the range is free.
        Assert.Equal(HttpStatusCode.OK, (await server.Host.Client.GetAsync("/api/logs/export?format=ndjson")).StatusCode);
    }
}

internal static class ServerHost
{
    /// <summary>Polls until the path answers 200 (a slot frees once the cancelled scan has unwound), or the patience runs out.</summary>
    public static async Task<HttpStatusCode> EventuallyOkAsync(TestHost host, string path, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            using var response = await host.Client.GetAsync(path);
            if (response.StatusCode == HttpStatusCode.OK || DateTime.UtcNow > deadline)
            {
                return response.StatusCode;
            }

            await Task.Delay(50);
        }
    }
}
