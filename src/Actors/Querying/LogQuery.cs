using Akka.Actor;
using Akka.Hosting;
using LogAggregator.Storage;
using LogAggregator.Telemetry;
using static LogAggregator.Querying.LogQueryProtocol;

namespace LogAggregator.Querying;

/// <summary>
/// Answers the API's read questions from the log store. Every query runs off the actor thread and is piped
/// back to the asker, so one slow search never holds up another question. Each scan gets the token its question
/// carries, so a scan nobody waits for any more is interrupted.
/// </summary>
public sealed class LogQuery : ReceiveActor
{
    public const string ActorName = "log-query";

    public LogQuery(ILogStore store)
    {
        Receive<QueryLogs>(q => Timed("logs", store.QueryAsync(q.Filter, q.Paging, q.CancellationToken)).PipeTo(Sender));
        Receive<SearchLogs>(q => Timed("search", store.SearchAsync(q.Pattern, q.Filter, q.Paging, q.CancellationToken))
            .PipeTo(Sender, success: results => new SearchLogsResponse(results)));
        Receive<ListAgents>(_ => Timed("agents", store.GetAgentsAsync()).PipeTo(Sender, success: agents => new AgentsResponse(agents)));
        Receive<CountLogs>(q => Timed("counts", store.CountAsync(q.Filter, q.CancellationToken))
            .PipeTo(Sender, success: counts => new CountsResponse(counts)));
        Receive<GetStats>(_ => Timed("stats", store.GetStatsAsync()).PipeTo(Sender));
        Receive<GetContext>(q => Timed("context", store.GetContextAsync(q.Id, q.Before, q.After, q.CancellationToken))
            .PipeTo(Sender, success: context => new ContextResponse(context)));
        Receive<GetHistogram>(q => Timed("histogram", store.HistogramAsync(q.Filter, q.Interval, q.CancellationToken)).PipeTo(Sender));
        Receive<GetErrorSummary>(q => Timed("errors_summary", store.ErrorSummaryAsync(q.From, q.To, q.Top, q.CancellationToken)).PipeTo(Sender));
    }

    private static Task<T> Timed<T>(string kind, Task<T> query) => LogAggregatorMetrics.TimeQuery(kind, query);
}

public static class LogQueryHosting
{
    public static AkkaConfigurationBuilder AddLogQuery(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry, resolver) =>
            registry.Register<LogQuery>(system.ActorOf(resolver.Props<LogQuery>(), LogQuery.ActorName)));
}
