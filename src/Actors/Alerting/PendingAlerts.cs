using Akka.Event;

namespace LogAggregator.Alerting;

/// <summary>
/// Journaled by a decider once the notifier answered <see cref="AlertNotifierProtocol.DeliveryAccepted"/>: the alert
/// is in the notifier's persisted outbox, and is not sent again after a restart.
/// </summary>
public sealed record AlertHandedOver(string AlertId);

/// <summary>Timer tick of every decider: send <see cref="AlertNotifierProtocol.Deliver"/> again for each alert not yet accepted.</summary>
public sealed class RedeliverPending : IDeadLetterSuppression
{
    public static readonly RedeliverPending Instance = new();

    /// <summary>How often an unanswered Deliver is repeated (the notifier is a singleton that may be moving).</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    private RedeliverPending()
    {
    }
}
