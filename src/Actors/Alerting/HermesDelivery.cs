using Akka.Actor;
using Akka.Event;
using Akka.Pattern;

namespace LogAggregator.Alerting;

/// <summary>Between the notifier and its worker; local to one node, never persisted or remoted.</summary>
public static class HermesDeliveryProtocol
{
    /// <summary>A worker (new, or restarted by its backoff supervisor) asks the notifier for the head of the outbox.</summary>
    public sealed record WorkerReady
    {
        public static readonly WorkerReady Instance = new();
    }

    public sealed record SendAlert(Alert Alert);

    /// <summary>What one round did; sent before the worker fails, so the attempts are recorded even when it is restarted.</summary>
    public sealed record DeliveryReport(string AlertId, HermesOutcome Outcome);
}

/// <summary>HERMES could not be reached on any path: the worker fails and its backoff supervisor restarts it later.</summary>
public sealed class HermesUnavailableException(Alert alert, string workerPath, string detail)
    : Exception($"alert {alert.Key} ({alert.Id}) not delivered by {workerPath}: {detail}")
{
    public string AlertKey { get; } = alert.Key;
    public string AlertId { get; } = alert.Id;
    public string WorkerPath { get; } = workerPath;
    public string Detail { get; } = detail;
}

/// <summary>
/// The notifier's worker: sends one alert at a time to HERMES, off the actor thread. When HERMES cannot be reached
/// it reports the attempts and fails, so its <see cref="BackoffSupervisor"/> restarts it after a backoff (min to max,
/// doubling); on start it asks the notifier for the head of the outbox again. A delivery resets the backoff.
/// </summary>
public sealed class HermesDelivery : ReceiveActor
{
    public const string ActorName = "hermes-delivery";

    private readonly IActorRef _notifier;
    private readonly HermesClient _client;

    public HermesDelivery(IActorRef notifier, HermesClient client)
    {
        _notifier = notifier;
        _client = client;
        Idle();
    }

    public static Props Props(IActorRef notifier, HermesClient client) =>
        Akka.Actor.Props.Create(() => new HermesDelivery(notifier, client));

    /// <summary>
    /// The worker under a backoff supervisor that restarts it on any failure, forever: an alert is never dropped, so
    /// there is nothing to give up for. Each decision is logged with the worker's path and the alert's key.
    /// </summary>
    public static Props Supervised(IActorRef notifier, HermesClient client, TimeSpan minBackoff, TimeSpan maxBackoff, ILoggingAdapter log)
    {
        var strategy = new OneForOneStrategy(failure =>
        {
            if (failure is HermesUnavailableException unavailable)
            {
                log.Warning("Backoff supervisor restarts {WorkerPath} after a backoff: alert {AlertKey} ({AlertId}) not delivered: {Reason}",
                    unavailable.WorkerPath, unavailable.AlertKey, unavailable.AlertId, unavailable.Detail);
            }
            else
            {
                log.Error(failure, "Backoff supervisor restarts the HERMES worker after a backoff: it crashed with {Reason}", failure.Message);
            }

            return Directive.Restart;
        }, false);
        return BackoffSupervisor.Props(
            Akka.Pattern.Backoff.OnFailure(Props(notifier, client), ActorName, minBackoff, maxBackoff, 0.1, -1)
                .WithManualReset()
                .WithSupervisorStrategy(strategy));
    }

    /// <summary>The supervisor's wait before restart <paramref name="failures"/>+1 (without its random part): min, doubling, capped at max.</summary>
    public static TimeSpan Backoff(int failures, TimeSpan min, TimeSpan max) =>
        TimeSpan.FromTicks((long)Math.Min(max.Ticks, min.Ticks * Math.Pow(2, Math.Min(failures, 40))));

    protected override void PreStart() => _notifier.Tell(HermesDeliveryProtocol.WorkerReady.Instance);

    private void Idle()
    {
        Receive<HermesDeliveryProtocol.SendAlert>(send =>
        {
            var alert = send.Alert;
            _client.SendAsync(alert, CancellationToken.None).PipeTo(Self,
                success: outcome => new Sent(alert, outcome),
                failure: ex => new Sent(alert, new HermesOutcome(
                    [new DeliveryAttempt(DateTime.UtcNow, HermesClient.AlertsPath, null, ex.GetBaseException().Message)], null, null)));
            Become(Sending);
        });
    }

    private void Sending()
    {
        Receive<Sent>(sent =>
        {
            _notifier.Tell(new HermesDeliveryProtocol.DeliveryReport(sent.Alert.Id, sent.Outcome));
            if (!sent.Outcome.Delivered)
            {
                throw new HermesUnavailableException(sent.Alert, Self.Path.ToString(), sent.Outcome.Describe());
            }

            Context.Parent.Tell(BackoffSupervisor.Reset.Instance);
            Become(Idle);
        });
    }

    private sealed record Sent(Alert Alert, HermesOutcome Outcome);
}
