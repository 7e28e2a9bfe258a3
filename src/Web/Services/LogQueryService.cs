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
    Task<LogContext?> ContextAsync(string id, int before, int after, CancellationToken cancellationToken);
    Task<Histogram> HistogramAsync(LogFilter filter, HistogramInterval interval, CancellationToken cancellationToken);
    Task<ErrorSummary> ErrorSummaryAsync(DateTime from, DateTime to, int top, CancellationToken cancellationToken);
}

/// <summary>Asks the <see cref="LogQuery"/> actor, bounded by the ask timeout and the request's cancellation.</summary>
public sealed class LogQueryService(IRequiredActor<LogQuery> logQuery, LogAggregatorSettings settings) : ILogQueryService
{
    public Task<LogPage> QueryAsync(LogFilter filter, Paging paging, CancellationToken cancellationToken) =>
        Ask<LogPage>(new QueryLogs(filter, paging), cancellationToken);

    public async Task<IReadOnlyList<StoredEntry>> SearchAsync(
        SearchPattern pattern, LogFilter filter, Paging paging, CancellationToken cancellationToken) =>
        (await Ask<SearchLogsResponse>(new SearchLogs(pattern, filter, paging), cancellationToken)).Results;

    public async Task<IReadOnlyList<string>> AgentsAsync(CancellationToken cancellationToken) =>
        (await Ask<AgentsResponse>(ListAgents.Instance, cancellationToken)).Agents;

    public Task<StoreStats> StatsAsync(CancellationToken cancellationToken) => Ask<StoreStats>(GetStats.Instance, cancellationToken);

    public async Task<LogContext?> ContextAsync(string id, int before, int after, CancellationToken cancellationToken) =>
        (await Ask<ContextResponse>(new GetContext(id, before, after), cancellationToken)).Context;

    public Task<Histogram> HistogramAsync(LogFilter filter, HistogramInterval interval, CancellationToken cancellationToken) =>
        Ask<Histogram>(new GetHistogram(filter, interval), cancellationToken);

    public Task<ErrorSummary> ErrorSummaryAsync(DateTime from, DateTime to, int top, CancellationToken cancellationToken) =>
        Ask<ErrorSummary>(new GetErrorSummary(from, to, top), cancellationToken);

    private async Task<T> Ask<T>(ILogQuery query, CancellationToken cancellationToken)
    {
        var actor = await logQuery.GetAsync(cancellationToken);
        return await actor.Ask<T>(query, settings.Http.AskTimeout, cancellationToken);
    }
}
