using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;
using LogAggregator.Model;
using LogAggregator.Storage;
using static LogAggregator.Alerting.AlertNotifierProtocol;
using static LogAggregator.Alerting.DailySummaryProtocol;

namespace LogAggregator.Alerting;

/// <summary>
/// The "Daily Error Summary" of the last 24 h, sent at <c>daily-summary.at</c> UTC (a cluster singleton). The time of
/// the last summary decided is journaled, so a restart neither repeats it nor skips one that fell due while the node
/// was down (it is sent at start, once; of several missed days only the latest).
/// </summary>
public sealed class DailySummary : ReceivePersistentActor, IWithTimers
{
    public const string ActorName = "daily-summary";
    public const string SummaryAgent = "log-aggregator";
    private const int TopPatterns = 5;
    private const int SnapshotEvery = 50;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly AlertRules _rules;
    private readonly ILogStore _store;
    private readonly IActorRef _notifier;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _checkEvery;
    private readonly TimeSpan _redeliverEvery;
    private DailySummaryState _state = DailySummaryState.Empty;
    private bool _querying;

    public DailySummary(AlertRules rules, ILogStore store, IActorRef notifier, TimeProvider clock, TimeSpan? checkEvery = null, TimeSpan? redeliverEvery = null)
    {
        _rules = rules;
        _store = store;
        _notifier = notifier;
        _clock = clock;
        _checkEvery = checkEvery ?? TimeSpan.FromMinutes(1);
        _redeliverEvery = redeliverEvery ?? RedeliverPending.DefaultInterval;

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is DailySummaryState state)
            {
                _state = state;
            }
        });
        Recover<SummaryScheduled>(e => _state = _state.Apply(e));
        Recover<SummaryRaised>(e => _state = _state.Apply(e));
        Recover<AlertHandedOver>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ =>
        {
            Redeliver();
            if (_state.LastDue is null)
            {
                Persist(new SummaryScheduled(LatestDue(Now)), e => _state = _state.Apply(e));
            }

            Timers.StartPeriodicTimer("check", Tick.Instance, _checkEvery);
            Self.Tell(Tick.Instance);
        });

        Command<Tick>(_ => Check());
        Command<SummaryReady>(OnReady);
        Command<Status.Failure>(failure =>
        {
            _querying = false;
            _log.Warning(failure.Cause, "The daily error summary could not be computed; trying again at the next check");
        });
        Command<DeliveryAccepted>(accepted =>
        {
            if (_state.Pending.Exists(a => a.Id == accepted.AlertId))
            {
                Persist(new AlertHandedOver(accepted.AlertId), e =>
                {
                    _state = _state.Apply(e);
                    MaybeSnapshot();
                });
            }
        });
        Command<RedeliverPending>(_ => Redeliver());
        Command<SaveSnapshotSuccess>(saved =>
        {
            DeleteMessages(saved.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(_ => { });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(_ => { });
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    public override string PersistenceId => ActorName;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(AlertRules rules, ILogStore store, IActorRef notifier, TimeProvider clock, TimeSpan? checkEvery = null, TimeSpan? redeliverEvery = null) =>
        Akka.Actor.Props.Create(() => new DailySummary(rules, store, notifier, clock, checkEvery, redeliverEvery));

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    /// <summary>The latest time of day <c>at</c> (UTC) at or before <paramref name="now"/>.</summary>
    public DateTime LatestDue(DateTime now)
    {
        var today = DateTime.SpecifyKind(now.Date + _rules.Settings.DailySummary.At.ToTimeSpan(), DateTimeKind.Utc);
        return today <= now ? today : today.AddDays(-1);
    }

    private void Check()
    {
        var due = LatestDue(Now);
        if (_querying || due <= _state.LastDue)
        {
            return;
        }

        _querying = true;
        _store.ErrorSummaryAsync(due.AddDays(-1), due, TopPatterns).PipeTo(Self, success: summary => new SummaryReady(due, summary));
    }

    private void OnReady(SummaryReady ready)
    {
        _querying = false;

        // A check while this one ran may have found a later due time: look again with the clock as it is now.
        Self.Tell(Tick.Instance);
        if (ready.DueAt <= _state.LastDue)
        {
            return;
        }

        var alert = Compose(ready.DueAt, ready.Summary);
        Persist(new SummaryRaised(alert, ready.DueAt), e =>
        {
            _state = _state.Apply(e);
            _log.Info("Daily error summary {AlertId} for the 24 h to {DueAt:o}: {Total} errors", alert.Id, e.DueAt, alert.Count);
            _notifier.Tell(new Deliver(alert));
            Timers.StartPeriodicTimer(PendingDeliveries.TimerKey, RedeliverPending.Instance, _redeliverEvery);
            MaybeSnapshot();
        });
    }

    private Alert Compose(DateTime due, ErrorSummary summary)
    {
        var from = due.AddDays(-1);
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{summary.TotalErrors} errors in the 24 h to {AlertRules.Iso(due)}");
        if (summary.ByAgent.Count > 0)
        {
            text.Append("\nBy agent: ").AppendJoin(", ", summary.ByAgent.OrderByDescending(a => a.Value).ThenBy(a => a.Key, StringComparer.Ordinal)
                .Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Key} {a.Value}")));
        }

        for (var i = 0; i < summary.TopErrors.Count; i++)
        {
            var top = summary.TopErrors[i];
            text.Append(CultureInfo.InvariantCulture, $"\n{i + 1}. {top.Pattern} ({top.Count}; {string.Join(", ", top.Agents)})");
        }

        var link = $"{_rules.Settings.PublicUrl.TrimEnd('/')}/?from={Uri.EscapeDataString(AlertRules.Iso(from))}&to={Uri.EscapeDataString(AlertRules.Iso(due))}";
        return new Alert(Guid.NewGuid().ToString("N"), AlertKeys.DailySummary, "Daily Error Summary", Level.Info, text.ToString(),
            SummaryAgent, null, summary.TotalErrors, from, due, Now, [], link);
    }

    private void Redeliver() => PendingDeliveries.Redeliver(_state.Pending, _notifier, Timers, _redeliverEvery);

    private void MaybeSnapshot()
    {
        if (LastSequenceNr % SnapshotEvery == 0)
        {
            SaveSnapshot(_state);
        }
    }

    private sealed record SummaryReady(DateTime DueAt, ErrorSummary Summary);
}

public static class DailySummaryHosting
{
    /// <summary>The daily error summary, a cluster singleton; needs the notifier registered as <see cref="AlertNotifier"/> first.</summary>
    public static AkkaConfigurationBuilder AddDailySummary(this AkkaConfigurationBuilder builder) =>
        builder.WithSingleton<DailySummary>(
            DailySummary.ActorName,
            (system, registry, resolver) => DailySummary.Props(resolver.GetService<AlertRules>(), resolver.GetService<ILogStore>(),
                AlertThresholdHosting.AlertNotifierOf(system, registry), TimeProvider.System).WithDispatcher(AlertingDispatcher.Id),
            new ClusterSingletonOptions());
}
