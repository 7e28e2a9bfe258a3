using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;
using LogAggregator.Configuration;
using LogAggregator.Model;
using LogAggregator.Storage;
using static LogAggregator.Alerting.AlertNotifierProtocol;
using static LogAggregator.Alerting.AlertThresholdProtocol;

namespace LogAggregator.Alerting;

/// <summary>
/// Decides the alerts of one key (a sharded entity, id = <see cref="AlertKeys.EntityId"/> of the key): CRITICAL and
/// FATAL at once, ERROR at the error-threshold-th occurrence within the window, a known pattern at its threshold,
/// then a cooldown.
/// <para>
/// The log store is the record of occurrences: every one of them is a committed entry before it reaches us, so the
/// window is not journaled; on recovery the entity rebuilds it from the store (the agent's entries of the last
/// window that map to this key). Only decisions are journaled: <see cref="AlertRaised"/> (the alert and the end of its
/// cooldown) and, once the notifier holds the alert in its outbox, <see cref="AlertHandedOver"/>. A Deliver not yet
/// accepted is repeated, also after a restart, and the notifier drops repeats by alert id.
/// </para>
/// </summary>
public sealed class AlertThreshold : ReceivePersistentActor, IWithTimers
{
    public const string RegionName = "alert-threshold";
    private const int SnapshotEvery = 50;
    private const string IdleTimer = "idle";
    private static readonly TimeSpan DefaultIdleAfter = TimeSpan.FromMinutes(15);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly AlertRules _rules;
    private readonly AlertWindowRebuilder _rebuilder;
    private readonly string _entityId;
    private readonly IActorRef _notifier;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _redeliverEvery;
    private readonly TimeSpan _idleAfter;
    private AlertThresholdState _state = AlertThresholdState.Empty;
    private AlertSubject? _subject;
    private AlertWindow? _window;
    private IActorRef _intake = ActorRefs.Nobody;
    private long _lastActive = Stopwatch.GetTimestamp();

    public AlertThreshold(string entityId, AlertRules rules, ILogStore store, IActorRef notifier, TimeProvider clock,
        TimeSpan? redeliverEvery = null, TimeSpan? idleAfter = null, AlertWindowRebuilder? rebuilder = null)
    {
        _rules = rules;
        _rebuilder = rebuilder ?? new AlertWindowRebuilder(store, rules);
        _notifier = notifier;
        _clock = clock;
        _redeliverEvery = redeliverEvery ?? RedeliverPending.DefaultInterval;
        _idleAfter = idleAfter ?? DefaultIdleAfter;
        _entityId = entityId;
        PersistenceId = $"alert-threshold-{entityId}";

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is AlertThresholdState state)
            {
                _state = state;
            }
        });
        Recover<AlertRaised>(e => _state = _state.Apply(e));
        Recover<AlertHandedOver>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => Redeliver());

        AwaitingSubject();
    }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="rebuilder">Shared by the entities of a node so their rebuilds share reads; one of their own when not given.</param>
    public static Props Props(string entityId, AlertRules rules, ILogStore store, IActorRef notifier, TimeProvider clock,
        TimeSpan? redeliverEvery = null, TimeSpan? idleAfter = null, AlertWindowRebuilder? rebuilder = null) =>
        Akka.Actor.Props.Create(() => new AlertThreshold(entityId, rules, store, notifier, clock, redeliverEvery, idleAfter, rebuilder));

    /// <summary>
    /// Idleness is checked a few times per idle-after by one periodic timer, not with a receive timeout: that one is
    /// rescheduled on every message, and in an error storm each reschedule left a cancelled timer in the scheduler's
    /// wheel until its deadline, tens of thousands of them, all live for the garbage collector to trace.
    /// </summary>
    protected override void PreStart()
    {
        base.PreStart();
        Timers.StartPeriodicTimer(IdleTimer, IdleCheck.Instance, _idleAfter / 3);
    }

    /// <summary>Recovered; the first occurrences tell us the key, whose window is then rebuilt from the store.</summary>
    private void AwaitingSubject()
    {
        Command<RecordOccurrences>(first =>
        {
            Touched();
            _subject = first.Subject;
            _window = NewWindow(first.Subject);
            if (!_rebuilder.NeedsRebuild(_entityId, LastSequenceNr > 0))
            {
                Become(Active);
                Record(first.Occurrences, first.Samples);
                return;
            }

            Stash.Stash();
            Rebuild(first.Subject);
            Become(Rebuilding);
        });
        Common();
    }

    private void Rebuilding()
    {
        Command<Rebuilt>(rebuilt =>
        {
            Record(rebuilt.Occurrences, rebuilt.Samples);
            Stash.UnstashAll();
            Become(Active);
        });
        Command<Status.Failure>(failure =>
        {
            // The window then starts empty: at worst an incident that began before the restart needs its
            // threshold again from now on. Never a second page: the cooldown is journaled.
            _log.Warning(failure.Cause, "Rebuilding the alert window of {Key} from the store failed; counting from now", _subject!.Key);
            Stash.UnstashAll();
            Become(Active);
        });
        Command<RecordOccurrences>(_ => Stash.Stash());
        Common();
    }

    private void Active()
    {
        Command<RecordOccurrences>(m =>
        {
            Touched();
            Record(m.Occurrences, m.Samples);
        });
        Common();
    }

    private void Common()
    {
        Command<DeliveryAccepted>(accepted =>
        {
            _lastActive = Stopwatch.GetTimestamp();
            if (_state.Pending.Exists(a => a.Id == accepted.AlertId))
            {
                Persist(new AlertHandedOver(accepted.AlertId), e =>
                {
                    _state = _state.Apply(e);
                    NoteCooldown();
                    MaybeSnapshot();
                });
            }
        });
        Command<RedeliverPending>(_ => Redeliver());
        Command<IdleCheck>(_ =>
        {
            // An entity with an alert the notifier has not accepted stays, repeating it.
            if (_state.Pending.IsEmpty && Stopwatch.GetElapsedTime(_lastActive) >= _idleAfter)
            {
                Context.Parent.Tell(new Passivate(Stop.Instance));
            }
        });
        Command<Stop>(_ => Context.Stop(Self));
        Command<SaveSnapshotSuccess>(saved =>
        {
            DeleteMessages(saved.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(failed => _log.Warning(failed.Cause, "Snapshot of alert key {Key} failed", _state.Key));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(failed => _log.Warning(failed.Cause, "Deleting old decisions of alert key {Key} failed", _state.Key));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    private AlertWindow NewWindow(AlertSubject subject)
    {
        var settings = _rules.Settings;
        if (subject.PatternName is { } name && _rules.Patterns.Find(name) is { } pattern)
        {
            return new AlertWindow(settings.Window, pattern.Threshold, fireAtCritical: false, settings.Samples);
        }

        return new AlertWindow(settings.Window, settings.ErrorThreshold, fireAtCritical: true, settings.Samples);
    }

    private void Record(IReadOnlyList<Occurrence> occurrences, IReadOnlyList<AlertSample> samples)
    {
        var firing = _window!.Add(occurrences, samples, _state.CooldownUntil);
        if (firing is null)
        {
            if (occurrences.Any(o => o.Timestamp < _state.CooldownUntil))
            {
                NoteCooldown();
            }

            return;
        }

        _window.Clear();
        var alert = _rules.Decide(_subject!, firing, _clock.GetUtcNow().UtcDateTime);
        Persist(new AlertRaised(alert, AlertWindow.Plus(firing.LastSeen, _rules.Settings.Cooldown)), e =>
        {
            _state = _state.Apply(e);
            _log.Info("Alert {AlertId} raised for {Key}: {Reason}; cooldown until {CooldownUntil:o}", alert.Id, alert.Key, alert.Reason, e.CooldownUntil);
            _notifier.Tell(new Deliver(alert));
            NoteCooldown();
            Timers.StartPeriodicTimer(PendingDeliveries.TimerKey, RedeliverPending.Instance, _redeliverEvery);
            MaybeSnapshot();
        });
    }

    /// <summary>Occurrences of the key arrived: the entity is in use, and their sender is the intake to tell its cooldowns.</summary>
    private void Touched()
    {
        _lastActive = Stopwatch.GetTimestamp();
        if (!Sender.IsNobody() && !Sender.Equals(Context.System.DeadLetters))
        {
            _intake = Sender;
        }
    }

    /// <summary>
    /// Tells the intake the cooldown (see <see cref="CooldownNoted"/>), so it stops sending what the cooldown covers;
    /// while an alert waits for the notifier, marked so: the intake then keeps sending the key a message without
    /// occurrences, which recreates this entity to send the alert again should it stop meanwhile (a shard moving to
    /// another node).
    /// </summary>
    private void NoteCooldown()
    {
        if (_subject is not null && !_intake.IsNobody())
        {
            _intake.Tell(new CooldownNoted(_subject.Key, _state.CooldownUntil, AlertPending: !_state.Pending.IsEmpty));
        }
    }

    private void Redeliver() => PendingDeliveries.Redeliver(_state.Pending, _notifier, Timers, _redeliverEvery);

    /// <summary>
    /// The occurrences the store holds for this key within the last window (by entry time): the entries of the
    /// agent at the key's levels, classified as the hand-off does, read by the node's <see cref="AlertWindowRebuilder"/>
    /// (one read shared by the entities of the agent recovering together). Runs off the actor thread.
    /// </summary>
    private void Rebuild(AlertSubject subject)
    {
        var from = AlertWindow.Minus(_clock.GetUtcNow().UtcDateTime, _rules.Settings.Window);
        var samples = _rules.Settings.Samples;
        var rebuilder = _rebuilder;
        RebuildAsync().PipeTo(Self);

        async Task<Rebuilt> RebuildAsync()
        {
            var found = await rebuilder.OccurrencesAsync(subject, from).ConfigureAwait(false);
            return new Rebuilt(
                found.Select(e => new Occurrence(e.Id, e.Entry.Timestamp, e.Entry.Level)).ToList(),
                found.Take(samples).Select(e => AlertSample.Of(e.Id, e.Entry.Timestamp, e.Entry.Message)).ToList());
        }
    }

    private void MaybeSnapshot()
    {
        if (LastSequenceNr % SnapshotEvery == 0)
        {
            SaveSnapshot(_state);
        }
    }

    private sealed class IdleCheck
    {
        public static readonly IdleCheck Instance = new();

        private IdleCheck()
        {
        }
    }

    private sealed record Rebuilt(IReadOnlyList<Occurrence> Occurrences, IReadOnlyList<AlertSample> Samples);
}

public static class AlertThresholdHosting
{
    /// <summary>
    /// The region of threshold entities, registered as <see cref="AlertThreshold"/>. Needs the notifier registered as
    /// <see cref="AlertNotifier"/> first, and <see cref="AlertRules"/> and <see cref="ILogStore"/> in DI.
    /// </summary>
    /// <param name="clusterOfOne">No seed nodes: a key's first entity in this process need not read the store (see <see cref="AlertWindowRebuilder"/>).</param>
    public static AkkaConfigurationBuilder AddAlertThresholds(
        this AkkaConfigurationBuilder builder, bool clusterOfOne = false, int shards = ClusterSettings.DefaultShards) =>
        builder.WithShardRegion<AlertThreshold>(
            AlertThreshold.RegionName,
            (system, registry, resolver) =>
            {
                var notifier = AlertNotifierOf(system, registry);
                var rules = resolver.GetService<AlertRules>();
                var store = resolver.GetService<ILogStore>();
                var rebuilder = new AlertWindowRebuilder(store, rules, clusterOfOne);
                return entityId => AlertThreshold.Props(entityId, rules, store, notifier, TimeProvider.System, rebuilder: rebuilder)
                    .WithDispatcher(AlertingDispatcher.Id);
            },
            new AlertThresholdMessageExtractor(shards),
            new ShardOptions
            {
                StateStoreMode = StateStoreMode.DData,
                RememberEntities = false,
                HandOffStopMessage = Stop.Instance,

                // Entities passivate themselves when idle, but never with an alert the notifier has not accepted.
                ShouldPassivateIdleEntities = false,
            });

    /// <summary>
    /// The notifier registered under <see cref="AlertNotifier"/>; until one is, alerts are decided, journaled and
    /// repeated to nobody, and delivered once a notifier exists (after a restart).
    /// </summary>
    internal static IActorRef AlertNotifierOf(ActorSystem system, IActorRegistry registry)
    {
        if (registry.TryGet<AlertNotifier>(out var notifier))
        {
            return notifier;
        }

        system.Log.Warning("No alert notifier is registered ({Key}): decided alerts wait in the deciders' journals", nameof(AlertNotifier));
        return ActorRefs.Nobody;
    }
}
