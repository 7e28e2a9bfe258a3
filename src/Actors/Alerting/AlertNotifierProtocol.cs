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

    // What the API asks: the alerts and their delivery, and the silences (kept by the notifier, so cluster-wide).

    public sealed record ListAlerts(int Limit, string? Agent, DeliveryState? State) : IAlertNotifierCommand;

    public sealed record ListAlertsResponse(IReadOnlyList<AlertRecord> Alerts);

    public sealed record GetAlert(string AlertId) : IAlertNotifierCommand;

    public sealed record GetAlertResponse(AlertRecord? Alert);

    public sealed record CreateSilence(SilenceMatcher Matcher, TimeSpan Duration, string Comment) : IAlertNotifierCommand;

    public sealed record CreateSilenceResponse(Silence Silence);

    public sealed record ListSilences : IAlertNotifierCommand
    {
        public static readonly ListSilences Instance = new();
    }

    public sealed record ListSilencesResponse(IReadOnlyList<Silence> Silences);

    public sealed record DeleteSilence(string SilenceId) : IAlertNotifierCommand;

    public sealed record DeleteSilenceResponse(bool Found);
}
