using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Tests.Shared;

namespace LogAggregator.Web.Tests;

/// <summary>
/// The server's real store, except that a search for <see cref="Blocking"/> scans until its token is cancelled,
/// recording the token it got and that the cancellation arrived.
/// </summary>
internal sealed class ScanBlockingStore(ILogStore inner) : ForwardingLogStore(inner, ownsInner: true)
{
    public const string Blocking = "scan until cancelled";

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

/// <summary>A test host over <see cref="ScanBlockingStore"/>, with an operator's HOCON file.</summary>
internal sealed record BlockingSearchServer(TestHost Host, ScanBlockingStore Store, string ConfigFile) : IAsyncDisposable
{
    public static async Task<BlockingSearchServer> StartAsync(string hocon)
    {
        var config = Path.Combine(Path.GetTempPath(), "logagg-blocking-" + Guid.NewGuid().ToString("N")[..12] + ".conf");
        await File.WriteAllTextAsync(config, hocon);
        ScanBlockingStore? store = null;
        try
        {
            var host = await TestHost.StartAsync(
                new Dictionary<string, string?> { ["LOG_AGGREGATOR_CONFIG"] = config },
                inner => store = new ScanBlockingStore(inner));
            return new BlockingSearchServer(host, store!, config);
        }
        catch
        {
            File.Delete(config);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        File.Delete(ConfigFile);
    }
}
