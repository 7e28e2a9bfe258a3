namespace LogAggregator.Alerting;

/// <summary>
/// The key under which the notifier (the cluster singleton proxy of <c>AlertNotifier</c>) is registered in
/// Akka.Hosting's <see cref="Akka.Hosting.ActorRegistry"/>: <c>registry.Register&lt;AlertNotifierRef&gt;(proxy)</c>.
/// The deciders (<see cref="AlertThreshold"/>, <see cref="DailySummary"/>, <see cref="SilentAgentCheck"/>) read it
/// when their props are made, so the notifier must be added to the builder before them. They only ever send it
/// <see cref="AlertNotifierProtocol.Deliver"/> and expect <see cref="AlertNotifierProtocol.DeliveryAccepted"/>; specs
/// put a probe in its place.
/// </summary>
public sealed class AlertNotifierRef
{
    private AlertNotifierRef()
    {
    }
}
