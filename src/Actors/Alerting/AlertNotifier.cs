using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;
using LogAggregator.Configuration;
using LogAggregator.Telemetry;
using static LogAggregator.Alerting.AlertLogEvents;
using static LogAggregator.Alerting.AlertNotifierProtocol;
using static LogAggregator.Alerting.HermesDeliveryProtocol;

namespace LogAggregator.Alerting;

/// <summary>
/// The cluster's one notifier: a persisted outbox of decided alerts, delivered to HERMES one at a time in order by a
/// worker under a backoff supervisor, plus the silences and a bounded history for the API.
/// Exactly once out of the outbox: an alert is <see cref="AlertDelivered"/> in the journal before the next one is
/// sent, so a restart resends at most the one alert whose 2xx came back just before the crash; its id travels in
/// the page's metadata, so HERMES can recognise the repeat. Nothing is dropped: an alert leaves the outbox only
/// delivered or silenced.
/// </summary>
public sealed class AlertNotifier : ReceivePersistentActor
{
    public const string ActorName = "alert-notifier";
    private const int SnapshotEvery = 200;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HermesClient _client;
    private readonly AlertDeliverySettings _delivery;
    private readonly TimeProvider _clock;

    private AlertLog _state = AlertLog.Empty();
    private IActorRef? _supervisor;
    private IActorRef? _worker;
    private string? _inFlight;
    private int _failures;
    private readonly Dictionary<string, (Alert Alert, IActorRef Sender)> _held = new(StringComparer.Ordinal);

    public AlertNotifier(HermesClient client, AlertDeliverySettings delivery, TimeProvider clock)
    {
        _client = client;
        _delivery = delivery;
        _clock = clock;

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is AlertLogSnapshot snapshot)
            {
                _state = AlertLog.FromSnapshot(snapshot);
            }
        });
        Recover<IAlertLogEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ =>
        {
            PublishDepth();
            _log.Info("Alert notifier {Path} recovered: {Outbox} alert(s) in the outbox, {Silences} silence(s), delivering to {HermesUrl}",
                Self.Path, _state.Outbox.Count, _state.Silences.Count, _client.HermesUrl);
            _supervisor = Context.Watch(Context.ActorOf(
                HermesDelivery.Supervised(Self, _client, _delivery.MinBackoff, _delivery.MaxBackoff, _log), "hermes-delivery-supervisor"));
        });

        Command<Deliver>(OnDeliver);
        Command<QueueHeld>(_ => OnQueueHeld());
        Command<WorkerReady>(_ => OnWorkerReady());
        Command<DeliveryReport>(OnReport);
        Command<ListAlerts>(q => Sender.Tell(new ListAlertsResponse(_state.Newest()
            .Where(r => q.Agent is null || string.Equals(r.Alert.Agent, q.Agent, StringComparison.OrdinalIgnoreCase))
            .Where(r => q.State is null || r.State == q.State)
            .Take(q.Limit)
            .ToList())));
        Command<GetAlert>(q => Sender.Tell(new GetAlertResponse(_state.Alerts.GetValueOrDefault(q.AlertId))));
        Command<CreateSilence>(OnCreateSilence);
        Command<ListSilences>(_ => Sender.Tell(new ListSilencesResponse(_state.ActiveSilences(Now).ToList())));
        Command<DeleteSilence>(OnDeleteSilence);
        Command<Terminated>(_ =>
        {
            var head = _state.Head;
            _log.Error("Backoff supervisor of {Path} gave up; alert {AlertKey} stays in the outbox and the notifier restarts to start a new worker",
                Self.Path, head?.Alert.Key ?? "(none)");
            throw new InvalidOperationException("the HERMES delivery supervisor stopped");
        });
        Command<SaveSnapshotSuccess>(saved =>
        {
            DeleteMessages(saved.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(failed => _log.Warning(failed.Cause, "Snapshot of the alert outbox failed at {SequenceNr}", failed.Metadata.SequenceNr));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(failed => _log.Warning(failed.Cause, "Deleting alert journal up to {SequenceNr} failed", failed.ToSequenceNr));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(failed => _log.Warning(failed.Cause, "Deleting old alert snapshots failed"));
    }

    public override string PersistenceId => "alert-notifier";

    public static Props Props(HermesClient client, AlertDeliverySettings delivery, TimeProvider clock) =>
        Akka.Actor.Props.Create(() => new AlertNotifier(client, delivery, clock));

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    private void OnDeliver(Deliver deliver)
    {
        var alert = deliver.Alert;
        if (_state.Holds(alert.Id))
        {
            Sender.Tell(new DeliveryAccepted(alert.Id));
            return;
        }

        // Held until the Delivers already in the mailbox are read too, then journaled together: a burst of alerts
        // (an error storm over many keys) costs one SQLite transaction instead of one after another.
        if (!_held.ContainsKey(alert.Id))
        {
            if (_held.Count == 0)
            {
                Self.Tell(QueueHeld.Instance);
            }

            _held.Add(alert.Id, (alert, Sender));
        }
    }

    /// <summary>Journals the held alerts in one write; each sender hears DeliveryAccepted once its alert is journaled.</summary>
    private void OnQueueHeld()
    {
        var held = _held.Values.ToList();
        _held.Clear();
        if (held.Count == 0)
        {
            return;
        }

        var now = Now;
        var handled = 0;
        PersistAll(held.Select(h => new AlertQueued(h.Alert, now)), queued =>
        {
            var (alert, sender) = held[handled++];
            Update(queued);
            LogAggregatorMetrics.RecordAlert(alert.Level, DeliveryState.Pending.Name());
            _log.Info("Alert {AlertKey} ({AlertId}, {Level}) queued for HERMES: {Title}", alert.Key, alert.Id, alert.Level, alert.Title);
            sender.Tell(new DeliveryAccepted(alert.Id));
            if (handled == held.Count)
            {
                Dispatch();
            }
        });
    }

    private void OnWorkerReady()
    {
        _worker = Sender;
        if (_inFlight is not null && _state.Alerts.TryGetValue(_inFlight, out var retried) && !retried.Finished)
        {
            _log.Info("{WorkerPath} restarted by its backoff supervisor after {Failures} failed round(s); retrying alert {AlertKey} ({AlertId})",
                Sender.Path, _failures, retried.Alert.Key, retried.Alert.Id);
        }

        _inFlight = null;
        Dispatch();
    }

    private void OnReport(DeliveryReport report)
    {
        if (report.AlertId != _inFlight || !_state.Alerts.TryGetValue(report.AlertId, out var record))
        {
            return;
        }

        var outcome = report.Outcome;
        var events = new List<IAlertLogEvent>();
        foreach (var attempt in outcome.Attempts.Where(a => !(outcome.Delivered && a.Path == outcome.DeliveredPath)))
        {
            events.Add(new DeliveryAttempted(report.AlertId, attempt.Path, attempt.Status, attempt.Error, attempt.At));
        }

        if (outcome.Delivered)
        {
            events.Add(new AlertDelivered(report.AlertId, outcome.DeliveredPath!, outcome.DeliveredStatus ?? 200, Now));
        }

        var remaining = events.Count;
        var wasFailing = record.State == DeliveryState.Failed;
        var worker = Sender;
        PersistAll(events, e =>
        {
            Update(e);
            if (--remaining > 0)
            {
                return;
            }

            var alert = record.Alert;
            if (outcome.Delivered)
            {
                LogAggregatorMetrics.RecordAlert(alert.Level, DeliveryState.Delivered.Name());
                if (_failures > 0)
                {
                    _log.Info("HERMES reached again: alert {AlertKey} ({AlertId}) delivered via {HermesPath} by {WorkerPath} after {Failures} failed round(s); backoff reset",
                        alert.Key, alert.Id, outcome.DeliveredPath, worker.Path, _failures);
                }
                else
                {
                    _log.Info("Alert {AlertKey} ({AlertId}) delivered via {HermesPath}", alert.Key, alert.Id, outcome.DeliveredPath);
                }

                _failures = 0;
                _inFlight = null;
                Dispatch();
                return;
            }

            if (!wasFailing)
            {
                LogAggregatorMetrics.RecordAlert(alert.Level, DeliveryState.Failed.Name());
            }

            var backoff = HermesDelivery.Backoff(_failures, _delivery.MinBackoff, _delivery.MaxBackoff);
            _failures++;
            _log.Warning("HERMES unreachable from {WorkerPath}: alert {AlertKey} ({AlertId}) stays in the outbox; {Attempts}; backing off about {Backoff} before round {Round}",
                worker.Path, alert.Key, alert.Id, outcome.Describe(), backoff, _failures + 1);
        });
    }

    private void OnCreateSilence(CreateSilence create)
    {
        var now = Now;
        var silence = new Silence(Guid.NewGuid().ToString("N")[..16], create.Matcher, now, now + create.Duration, create.Comment);
        var sender = Sender;
        Persist(new SilenceCreated(silence), created =>
        {
            Update(created);
            _log.Info("Silence {SilenceId} until {EndsAt:o}: agent {Agent}, key {AlertKey}, pattern {Pattern} ({Comment})",
                silence.Id, silence.EndsAt, silence.Matcher.Agent, silence.Matcher.Key, silence.Matcher.Pattern, silence.Comment);
            sender.Tell(new CreateSilenceResponse(silence));
        });
    }

    private void OnDeleteSilence(DeleteSilence delete)
    {
        if (!_state.Silences.TryGetValue(delete.SilenceId, out var silence) || !silence.IsActive(Now))
        {
            Sender.Tell(new DeleteSilenceResponse(false));
            return;
        }

        var sender = Sender;
        Persist(new SilenceDeleted(delete.SilenceId, Now), deleted =>
        {
            Update(deleted);
            _log.Info("Silence {SilenceId} deleted", delete.SilenceId);
            sender.Tell(new DeleteSilenceResponse(true));
        });
    }

    /// <summary>Sends the head of the outbox to the worker, unless one is in flight or the worker is backing off; silenced heads are recorded and skipped.</summary>
    private void Dispatch()
    {
        if (_worker is null || _inFlight is not null || _state.Head is not { } head)
        {
            return;
        }

        if (_state.SilenceFor(head.Alert, Now) is { } silence)
        {
            _inFlight = head.Alert.Id;
            Persist(new AlertSilenced(head.Alert.Id, silence.Id, Now), silenced =>
            {
                Update(silenced);
                LogAggregatorMetrics.RecordAlert(head.Alert.Level, DeliveryState.Silenced.Name());
                _log.Info("Alert {AlertKey} ({AlertId}) silenced by {SilenceId}; not sent", head.Alert.Key, head.Alert.Id, silence.Id);
                _inFlight = null;
                Dispatch();
            });
            return;
        }

        _inFlight = head.Alert.Id;
        _worker.Tell(new SendAlert(head.Alert));
    }

    private void Update(IAlertLogEvent e)
    {
        _state = _state.Apply(e);
        PublishDepth();
        if (LastSequenceNr % SnapshotEvery == 0)
        {
            SaveSnapshot(_state.ToSnapshot(Now));
        }
    }

    /// <summary>Every Deliver read so far is held: journal them. Local only.</summary>
    private sealed class QueueHeld
    {
        public static readonly QueueHeld Instance = new();

        private QueueHeld()
        {
        }
    }

    private void PublishDepth() => LogAggregatorMetrics.SetAlertOutboxDepth(_state.Outbox.Count);
}

public static class AlertNotifierHosting
{
    /// <summary>
    /// The notifier as a cluster singleton; the registry's <see cref="AlertNotifier"/> is the singleton's proxy, so
    /// deciders and the API on every node take <c>IRequiredActor&lt;AlertNotifier&gt;</c> and reach the one instance.
    /// </summary>
    public static AkkaConfigurationBuilder AddAlertNotifier(this AkkaConfigurationBuilder builder, LogAggregatorSettings settings) =>
        builder.WithSingleton<AlertNotifier>(
            AlertNotifier.ActorName,
            (_, _, _) => AlertNotifier.Props(
                new HermesClient(settings.HermesUrl, settings.Alerting.Delivery.RequestTimeout), settings.Alerting.Delivery, TimeProvider.System)
                .WithDispatcher(AlertingDispatcher.Id),
            new ClusterSingletonOptions(),
            createProxyToo: true);
}
