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

    private async Task<T> Ask<T>(ILogQuery query, CancellationToken cancellationToken)
    {
        var actor = await logQuery.GetAsync(cancellationToken);
        return await actor.Ask<T>(query, settings.Http.AskTimeout, cancellationToken);
    }
}
