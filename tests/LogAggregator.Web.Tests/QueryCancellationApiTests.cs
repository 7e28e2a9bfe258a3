using LogAggregator.Tests.Shared;
using System.Net;
using System.Text.Json;
using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Web.Tests;

/// <summary>A search nobody waits for any more stops scanning the store: the client went away, or the ask timed out.</summary>
public sealed class QueryCancellationApiTests
{
    private const string Blocking = ScanBlockingStore.Blocking;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_aborted_search_request_cancels_the_store_scan()
    {
        // An ask timeout far beyond the test's patience: only the client's abort can end this scan in time.
        await using var server = await StartAsync("10m");
        using var client = new CancellationTokenSource();

        var request = server.Host.Client.GetAsync("/api/logs/search?q=" + Uri.EscapeDataString(Blocking), client.Token);
        var token = await server.Store.Started.Task.WaitAsync(Patience);
        Assert.False(token.IsCancellationRequested);
        await client.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        await server.Store.Cancelled.Task.WaitAsync(Patience);
        // The server goes on answering searches.
        Assert.Equal(0, (await server.Host.GetJsonAsync("/api/logs/search?q=other")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task A_search_outliving_the_ask_timeout_is_cancelled_and_answered_504_with_a_problem_body()
    {
        await using var server = await StartAsync("500ms");

        using var response = await server.Host.Client.GetAsync("/api/logs/search?q=" + Uri.EscapeDataString(Blocking));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.GatewayTimeout, $"answered {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(504, JsonDocument.Parse(body).RootElement.GetProperty("status").GetInt32());
        await server.Store.Cancelled.Task.WaitAsync(Patience);
    }

    private static Task<BlockingSearchServer> StartAsync(string askTimeout) =>
        BlockingSearchServer.StartAsync($"log-aggregator.http.ask-timeout = {askTimeout}\n");
}
