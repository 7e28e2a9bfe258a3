using LogAggregator.Tests.Shared;
using System.Net;
using System.Text.Json;
using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Web.Tests;

/// <summary>A search nobody waits for any more stops scanning the store: the client went away, or the ask timed out.</summary>
public sealed class QueryCancellationApiTests
{
    private const string Blocking = "scan until cancelled";
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

    private static async Task<Server> StartAsync(string askTimeout)
    {
        var config = Path.Combine(Path.GetTempPath(), "logagg-cancel-" + Guid.NewGuid().ToString("N")[..12] + ".conf");
        await File.WriteAllTextAsync(config, $"log-aggregator.http.ask-timeout = {askTimeout}\n");
        ScanBlockingStore? store = null;
        try
        {
            var host = await TestHost.StartAsync(
                new Dictionary<string, string?> { ["LOG_AGGREGATOR_CONFIG"] = config },
                inner => store = new ScanBlockingStore(inner));
            return new Server(host, store!, config);
        }
        catch
        {
            File.Delete(config);
            throw;
        }
    }

    private sealed record Server(TestHost Host, ScanBlockingStore Store, string ConfigFile) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            File.Delete(ConfigFile);
        }
    }

    /// <summary>
    /// The server's real store, except that a search for <see cref="Blocking"/> scans until its token is cancelled,
    /// recording the token it got and that the cancellation arrived.
    /// </summary>
    private sealed class ScanBlockingStore(ILogStore inner) : ForwardingLogStore(inner, ownsInner: true)
    {
        public TaskCompletionSource<CancellationToken> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<IReadOnlyList<StoredEntry>> SearchAsync(
            SearchPattern pattern, LogFilter filter, Paging paging, CancellationToken cancellationToken = default)
        {
            if (pattern.Text != Blocking)
            {
                return await Inner.SearchAsync(pattern, filter, paging, cancellationToken);
            }

            Started.TrySetResult(cancellationToken);
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using (cancellationToken.Register(() => stopped.TrySetResult()))
            {
                await stopped.Task;
            }

            Cancelled.TrySetResult();
            throw new OperationCanceledException(cancellationToken);
        }
    }
}
