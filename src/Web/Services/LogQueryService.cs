using Akka.Actor;
using Akka.Hosting;
using LogAggregator.Configuration;
using LogAggregator.Model;
using LogAggregator.Querying;
using LogAggregator.Storage;
using static LogAggregator.Querying.LogQueryProtocol;

namespace LogAggregator.Web.Services;

public interface ILogQueryService
{
    Task<LogPage> QueryAsync(LogFilter filter, Paging paging, CancellationToken cancellationToken);
    Task<IReadOnlyList<StoredEntry>> SearchAsync(SearchPattern pattern, LogFilter filter, Paging paging, CancellationToken cancellationToken);
    Task<IReadOnlyList<string>> AgentsAsync(CancellationToken cancellationToken);
    Task<StoreStats> StatsAsync(CancellationToken cancellationToken);
    Task<IReadOnlyList<AgentLevelCount>> CountAsync(LogFilter filter, CancellationToken cancellationToken);
    Task<LogContext?> ContextAsync(string id, int before, int after, CancellationToken cancellationToken);
    Task<Histogram> HistogramAsync(LogFilter filter, HistogramInterval interval, CancellationToken cancellationToken);
    Task<ErrorSummary> ErrorSummaryAsync(DateTime from, DateTime to, int top, CancellationToken cancellationToken);
}

/// <summary>Asks the <see cref="LogQuery"/> actor, bounded by the ask timeout and the request's cancellation, both of which reach the store's scan.</summary>
public sealed class LogQueryService(IRequiredActor<LogQuery> logQuery, LogAggregatorSettings settings) : ILogQueryService
{
    public Task<LogPage> QueryAsync(LogFilter filter, Paging paging, CancellationToken cancellationToken) =>
        Ask<LogPage>(scan => new QueryLogs(filter, paging, scan), cancellationToken);

    public async Task<IReadOnlyList<StoredEntry>> SearchAsync(
        SearchPattern pattern, LogFilter filter, Paging paging, CancellationToken cancellationToken) =>
        (await Ask<SearchLogsResponse>(scan => new SearchLogs(pattern, filter, paging, scan), cancellationToken)).Results;

    public async Task<IReadOnlyList<string>> AgentsAsync(CancellationToken cancellationToken) =>
        (await Ask<AgentsResponse>(_ => ListAgents.Instance, cancellationToken)).Agents;

    public Task<StoreStats> StatsAsync(CancellationToken cancellationToken) => Ask<StoreStats>(_ => GetStats.Instance, cancellationToken);

    public async Task<IReadOnlyList<AgentLevelCount>> CountAsync(LogFilter filter, CancellationToken cancellationToken) =>
        (await Ask<CountsResponse>(scan => new CountLogs(filter, scan), cancellationToken)).Counts;

    public async Task<LogContext?> ContextAsync(string id, int before, int after, CancellationToken cancellationToken) =>
        (await Ask<ContextResponse>(scan => new GetContext(id, before, after, scan), cancellationToken)).Context;

    public Task<Histogram> HistogramAsync(LogFilter filter, HistogramInterval interval, CancellationToken cancellationToken) =>
        Ask<Histogram>(scan => new GetHistogram(filter, interval, scan), cancellationToken);

    public Task<ErrorSummary> ErrorSummaryAsync(DateTime from, DateTime to, int top, CancellationToken cancellationToken) =>
        Ask<ErrorSummary>(scan => new GetErrorSummary(from, to, top, scan), cancellationToken);

    /// <summary>
    /// Asks with a token for the store's scan that is cancelled as soon as nobody waits for the answer any more: the
    /// request aborted, the ask timed out, or (harmlessly) the answer arrived.
    /// </summary>
    private async Task<T> Ask<T>(Func<CancellationToken, ILogQuery> query, CancellationToken cancellationToken)
    {
        using var scan = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            scan.CancelAfter(settings.Http.AskTimeout);
            var actor = await logQuery.GetAsync(cancellationToken);
            return await actor.Ask<T>(query(scan.Token), settings.Http.AskTimeout, cancellationToken);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The scan's deadline and the ask's fire together; when the cancelled scan's answer wins the race, it is
            // the same timeout and must read as one, not as an unexpected failure.
            throw new AskTimeoutException($"the query did not finish within {settings.Http.AskTimeout.TotalSeconds:0.###} s");
        }
        finally
        {
            await scan.CancelAsync();
        }
    }
}
