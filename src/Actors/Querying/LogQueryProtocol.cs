using LogAggregator.Storage;

namespace LogAggregator.Querying;

/// <summary>
/// Questions the HTTP API asks; each is answered with the named response or a Status.Failure.
/// <para>
/// Local only: every node runs its own <see cref="LogQuery"/>, asked only by its own controllers, so these messages are
/// never remoted and have no serializer binding. That lets the questions that scan the store carry the asker's
/// <see cref="System.Threading.CancellationToken"/>: when the client goes away or the ask times out, the store's scan
/// is interrupted instead of running on for nobody.
/// </para>
/// </summary>
public static class LogQueryProtocol
{
    public interface ILogQuery;

    /// <summary>Answered with <see cref="LogPage"/>.</summary>
    public sealed record QueryLogs(LogFilter Filter, Paging Paging, CancellationToken CancellationToken = default) : ILogQuery;

    /// <summary>Answered with <see cref="SearchLogsResponse"/>.</summary>
    public sealed record SearchLogs(SearchPattern Pattern, LogFilter Filter, Paging Paging, CancellationToken CancellationToken = default) : ILogQuery;

    public sealed record SearchLogsResponse(IReadOnlyList<Model.StoredEntry> Results);

    /// <summary>Answered with <see cref="AgentsResponse"/>.</summary>
    public sealed class ListAgents : ILogQuery
    {
        public static readonly ListAgents Instance = new();
        private ListAgents() { }
    }

    public sealed record AgentsResponse(IReadOnlyList<string> Agents);

    /// <summary>Answered with <see cref="ContextResponse"/>; its context is null when the id names no entry.</summary>
    public sealed record GetContext(string Id, int Before, int After, CancellationToken CancellationToken = default) : ILogQuery;

    public sealed record ContextResponse(LogContext? Context);

    /// <summary>Answered with <see cref="Histogram"/>, or a failure carrying <see cref="HistogramTooWideException"/>.</summary>
    public sealed record GetHistogram(LogFilter Filter, HistogramInterval Interval, CancellationToken CancellationToken = default) : ILogQuery;

    /// <summary>Answered with <see cref="ErrorSummary"/>; the window is on entry timestamps, From inclusive.</summary>
    public sealed record GetErrorSummary(DateTime From, DateTime To, int Top, CancellationToken CancellationToken = default) : ILogQuery;

    /// <summary>Answered with <see cref="CountsResponse"/>.</summary>
    public sealed record CountLogs(LogFilter Filter, CancellationToken CancellationToken = default) : ILogQuery;

    public sealed record CountsResponse(IReadOnlyList<AgentLevelCount> Counts);

    /// <summary>Answered with <see cref="StoreStats"/>.</summary>
    public sealed class GetStats : ILogQuery
    {
        public static readonly GetStats Instance = new();
        private GetStats() { }
    }
}
