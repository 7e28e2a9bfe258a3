using System.Collections.Immutable;
using Akka.Event;

namespace LogAggregator.Alerting;

public static class DailySummaryProtocol
{
    /// <summary>Look whether a summary is due (every minute; specs send it after moving the clock).</summary>
    public sealed class Tick : IDeadLetterSuppression
    {
        public static readonly Tick Instance = new();

        private Tick()
        {
        }
    }

    /// <summary>
    /// Journaled on the very first start: the summaries due before it are not ours to send. Without it a first
    /// start after 08:00 could not tell "never sent" from "sent today".
    /// </summary>
    public sealed record SummaryScheduled(DateTime DueAt);

    /// <summary>Journaled when the summary due at <paramref name="DueAt"/> is decided; kept until the notifier accepts it.</summary>
    public sealed record SummaryRaised(Alert Alert, DateTime DueAt);

    public sealed record DailySummaryState(DateTime? LastDue, ImmutableList<Alert> Pending)
    {
        public static readonly DailySummaryState Empty = new(null, []);

        public DailySummaryState Apply(SummaryScheduled e) => this with { LastDue = e.DueAt };

        public DailySummaryState Apply(SummaryRaised e) => this with { LastDue = e.DueAt, Pending = Pending.Add(e.Alert) };

        public DailySummaryState Apply(AlertHandedOver e) => this with { Pending = Pending.RemoveAll(a => a.Id == e.AlertId) };
    }
}
