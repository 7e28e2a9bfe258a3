using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Shared;

/// <summary>
/// A real log store behind a test's decorator: every member goes to <see cref="Inner"/>, and a decorator overrides the
/// one it changes (a failing append, a search that blocks until cancelled). Compiled by the test projects that see
/// the actors' assembly.
/// </summary>
/// <param name="ownsInner">Whether disposing the decorator disposes the real store.</param>
public abstract class ForwardingLogStore(ILogStore inner, bool ownsInner) : ILogStore
{
    protected ILogStore Inner => inner;

    public virtual Task<IReadOnlyList<string>> AppendAsync(
        IReadOnlyList<LogEntry> entries, IReadOnlyList<SourceMark> marks, CancellationToken cancellationToken = default) =>
        inner.AppendAsync(entries, marks, cancellationToken);

    public virtual Task<IReadOnlyList<string>> AdmitAgentsAsync(
        IReadOnlyCollection<string> agentKeys, int maxAgentsPerDay, CancellationToken cancellationToken = default) =>
        inner.AdmitAgentsAsync(agentKeys, maxAgentsPerDay, cancellationToken);

    public virtual Task<IReadOnlyList<SourceMark>> GetMarksAsync(string sourceKey, CancellationToken cancellationToken = default) =>
        inner.GetMarksAsync(sourceKey, cancellationToken);

    public virtual Task<LogPage> QueryAsync(LogFilter filter, Paging paging, CancellationToken cancellationToken = default) =>
        inner.QueryAsync(filter, paging, cancellationToken);

    public virtual Task<IReadOnlyList<StoredEntry>> SearchAsync(
        SearchPattern pattern, LogFilter filter, Paging paging, CancellationToken cancellationToken = default) =>
        inner.SearchAsync(pattern, filter, paging, cancellationToken);

    public virtual Task<IReadOnlyList<AgentLevelCount>> CountAsync(LogFilter filter, CancellationToken cancellationToken = default) =>
        inner.CountAsync(filter, cancellationToken);

    public virtual Task<StoredEntry?> GetAsync(string id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

    public virtual Task<LogContext?> GetContextAsync(string id, int before, int after, CancellationToken cancellationToken = default) =>
        inner.GetContextAsync(id, before, after, cancellationToken);

    public virtual Task<Histogram> HistogramAsync(LogFilter filter, HistogramInterval interval, CancellationToken cancellationToken = default) =>
        inner.HistogramAsync(filter, interval, cancellationToken);

    public virtual Task<ErrorSummary> ErrorSummaryAsync(DateTime from, DateTime to, int top, CancellationToken cancellationToken = default) =>
        inner.ErrorSummaryAsync(from, to, top, cancellationToken);

    public virtual Task<IReadOnlyList<string>> GetAgentsAsync(CancellationToken cancellationToken = default) => inner.GetAgentsAsync(cancellationToken);

    public virtual Task<StoreStats> GetStatsAsync(CancellationToken cancellationToken = default) => inner.GetStatsAsync(cancellationToken);

    public virtual Task<IReadOnlyList<DateOnly>> DeleteDaysBeforeAsync(DateOnly oldestKept, CancellationToken cancellationToken = default) =>
        inner.DeleteDaysBeforeAsync(oldestKept, cancellationToken);

    public virtual Task<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default) => inner.CheckHealthAsync(cancellationToken);

    public ValueTask DisposeAsync() => ownsInner ? inner.DisposeAsync() : ValueTask.CompletedTask;
}
