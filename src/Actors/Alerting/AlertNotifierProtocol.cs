namespace LogAggregator.Alerting;

/// <summary>
/// How a decided alert reaches the notifier (a cluster singleton with a persisted outbox). Whoever decides an
/// alert persists the decision first, then sends <see cref="Deliver"/> until it gets <see cref="DeliveryAccepted"/>
/// (again after a restart while unanswered). The notifier answers only once the alert is in its persisted outbox,
/// and a second <see cref="Deliver"/> of an id it already holds is answered without queueing it again: at least once
/// into the outbox, exactly once out of it.
/// </summary>
public static class AlertNotifierProtocol
{
    public interface IAlertNotifierCommand;

    public sealed record Deliver(Alert Alert) : IAlertNotifierCommand;

    public sealed record DeliveryAccepted(string AlertId);
}
