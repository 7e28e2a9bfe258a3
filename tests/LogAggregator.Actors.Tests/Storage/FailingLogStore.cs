using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage;

/// <summary>
/// A real log store whose chosen <see cref="ILogStore.AppendAsync"/> calls fail. A failing call first waits
/// until the next call has arrived (or <see cref="FailAfter"/> has passed), then throws: the worst case for
/// ordering, where a later batch could commit ahead of the failed one. Everything else is the inner store's.
/// </summary>
public sealed class FailingLogStore(ILogStore inner, params int[] failingCalls) : ILogStore
{
    public static readonly TimeSpan FailAfter = TimeSpan.FromSeconds(1);

    private readonly HashSet<int> _failing = [.. failingCalls];
    private readonly object _gate = new();
    private TaskCompletionSource _nextCall = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;

    /// <summary>How many appends have been made, the failed ones included.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>The number of entries of every append, in call order.</summary>
    public List<int> AppendSizes { get; } = [];

    public async Task<IReadOnlyList<string>> AppendAsync(
        IReadOnlyList<LogEntry> entries, IReadOnlyList<SourceMark> marks, CancellationToken cancellationToken = default)
    {
        int call;
        Task nextCall;
        lock (_gate)
        {
            call = ++_calls;
            AppendSizes.Add(entries.Count);
            _nextCall.TrySetResult();
            _nextCall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            nextCall = _nextCall.Task;
        }

        if (!_failing.Contains(call))
        {
            return await inner.AppendAsync(entries, marks, cancellationToken);
        }

        await Task.WhenAny(nextCall, Task.Delay(FailAfter, CancellationToken.None));
        throw new IOException($"append {call} failed on purpose");
    }

    public Task<IReadOnlyList<string>> AdmitAgentsAsync(
        IReadOnlyCollection<string> agentKeys, int maxAgentsPerDay, CancellationToken cancellationToken = default) =>
        inner.AdmitAgentsAsync(agentKeys, maxAgentsPerDay, cancellationToken);

    public Task<IReadOnlyList<SourceMark>> GetMarksAsync(string sourceKey, CancellationToken cancellationToken = default) =>
        inner.GetMarksAsync(sourceKey, cancellationToken);

    public Task<LogPage> QueryAsync(LogFilter filter, Paging paging, CancellationToken cancellationToken = default) =>
        inner.QueryAsync(filter, paging, cancellationToken);

    public Task<IReadOnlyList<StoredEntry>> SearchAsync(
        SearchPattern pattern, LogFilter filter, Paging paging, CancellationToken cancellationToken = default) =>
        inner.SearchAsync(pattern, filter, paging, cancellationToken);

    public Task<StoredEntry?> GetAsync(string id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

    public Task<LogContext?> GetContextAsync(string id, int before, int after, CancellationToken cancellationToken = default) =>
        inner.GetContextAsync(id, before, after, cancellationToken);

    public Task<Histogram> HistogramAsync(LogFilter filter, HistogramInterval interval, CancellationToken cancellationToken = default) =>
        inner.HistogramAsync(filter, interval, cancellationToken);

    public Task<ErrorSummary> ErrorSummaryAsync(DateTime from, DateTime to, int top, CancellationToken cancellationToken = default) =>
        inner.ErrorSummaryAsync(from, to, top, cancellationToken);

    public Task<IReadOnlyList<string>> GetAgentsAsync(CancellationToken cancellationToken = default) => inner.GetAgentsAsync(cancellationToken);

    public Task<StoreStats> GetStatsAsync(CancellationToken cancellationToken = default) => inner.GetStatsAsync(cancellationToken);

    public Task<IReadOnlyList<DateOnly>> DeleteDaysBeforeAsync(DateOnly oldestKept, CancellationToken cancellationToken = default) =>
        inner.DeleteDaysBeforeAsync(oldestKept, cancellationToken);

    public Task<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default) => inner.CheckHealthAsync(cancellationToken);

    /// <summary>The inner store belongs to the spec, which disposes it.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
