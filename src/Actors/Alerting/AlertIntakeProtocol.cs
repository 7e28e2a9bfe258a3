using static LogAggregator.Alerting.AlertThresholdProtocol;

namespace LogAggregator.Alerting;

public static class AlertIntakeProtocol
{
    /// <summary>What one agent store's commit holds for alerting, already grouped per key (<see cref="AlertHandOff.Group"/>).</summary>
    public sealed record HandOver(IReadOnlyList<RecordOccurrences> Keys);

    /// <summary>The linger is over: what was merged goes to the deciders. Local only.</summary>
    public sealed class Flush
    {
        public static readonly Flush Instance = new();

        private Flush()
        {
        }
    }
}
