using Akka.Event;

namespace LogAggregator.Storage;

public static class RetentionProtocol
{
    /// <summary>Delete the days older than RETENTION_DAYS now (at start, then every retention interval).</summary>
    public sealed class RunRetention : IDeadLetterSuppression
    {
        public static readonly RunRetention Instance = new();
        private RunRetention() { }
    }

    /// <summary>Published on the event stream after each run, so tests and operators can see it happen.</summary>
    public sealed record RetentionCompleted(DateOnly OldestKept, IReadOnlyList<DateOnly> Deleted);
}
