using static LogAggregator.Alerting.AlertThresholdProtocol;

namespace LogAggregator.Alerting;

public static class AlertIntakeProtocol
{
    /// <summary>What one agent store's commit holds for alerting, already grouped per key (<see cref="AlertHandOff.Group"/>).</summary>
    public sealed record HandOver(IReadOnlyList<RecordOccurrences> Keys);

    /// <summary>
    /// The WARNING-or-above entries of one agent store's commit, committed at <paramref name="Arrival"/>, for the
    /// intake to classify; the characters of their messages count against <paramref name="HandOff"/>'s bound until
    /// then. Local only.
    /// </summary>
    public sealed record Committed(CommittedEntries Entries, DateTime Arrival, AlertHandOff HandOff);

    /// <summary>The linger is over: what was merged goes to the deciders. Local only.</summary>
    public sealed class Flush
    {
        public static readonly Flush Instance = new();

        private Flush()
        {
        }
    }
}
