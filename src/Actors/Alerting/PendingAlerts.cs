using System.Collections.Immutable;
using Akka.Actor;
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

/// <summary>What every decider does with its alerts the notifier has not accepted yet.</summary>
public static class PendingDeliveries
{
    public const string TimerKey = "redeliver";

    /// <summary>
    /// Sends <see cref="AlertNotifierProtocol.Deliver"/> again for each pending alert and keeps the redelivery timer
    /// running while any is pending; with none pending the timer stops.
    /// </summary>
    public static void Redeliver(ImmutableList<Alert> pending, IActorRef notifier, ITimerScheduler timers, TimeSpan every)
    {
        if (pending.IsEmpty)
        {
            timers.Cancel(TimerKey);
            return;
        }

        foreach (var alert in pending)
        {
            notifier.Tell(new AlertNotifierProtocol.Deliver(alert));
        }

        if (!timers.IsTimerActive(TimerKey))
        {
            timers.StartPeriodicTimer(TimerKey, RedeliverPending.Instance, every);
        }
    }
}
