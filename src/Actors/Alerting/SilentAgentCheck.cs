using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;
using LogAggregator.Model;
using LogAggregator.Storage;
using static LogAggregator.Alerting.AlertNotifierProtocol;
using static LogAggregator.Alerting.SilentAgentCheckProtocol;

namespace LogAggregator.Alerting;

/// <summary>
/// Silent agents (a cluster singleton): an agent whose newest entry lies within <c>lookback</c> but more than
/// <c>after</c> ago raises one WARNING alert (key <see cref="AlertKeys.ForSilentAgent"/>) per silence; the agents in a
/// silence are journaled, so neither a later check nor a restart repeats it, and its next entry ends it.
/// </summary>
public sealed class SilentAgentCheck : ReceivePersistentActor, IWithTimers
{
    public const string ActorName = "silent-agent-check";
    private const int SnapshotEvery = 100;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly AlertRules _rules;
    private readonly ILogStore _store;
    private readonly IActorRef _notifier;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _redeliverEvery;
    private SilentAgentState _state = SilentAgentState.Empty;
    private bool _checking;
    private bool _checkAgain;

    public SilentAgentCheck(AlertRules rules, ILogStore store, IActorRef notifier, TimeProvider clock, TimeSpan? redeliverEvery = null)
    {
        _rules = rules;
        _store = store;
        _notifier = notifier;
        _clock = clock;
        _redeliverEvery = redeliverEvery ?? RedeliverPending.DefaultInterval;

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is SilentAgentState state)
            {
                _state = state;
            }
        });
        Recover<AgentWentSilent>(e => _state = _state.Apply(e));
        Recover<SilenceEnded>(e => _state = _state.Apply(e));
        Recover<AlertHandedOver>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ =>
        {
            Redeliver();
            Timers.StartPeriodicTimer("check", Tick.Instance, _rules.Settings.SilentAgents.CheckInterval);
        });

        Command<Tick>(_ => Check());
        Command<Checked>(OnChecked);
        Command<Status.Failure>(failure =>
        {
            _checking = false;
            _log.Warning(failure.Cause, "The silent-agent check failed; trying again at the next check");
        });
        Command<DeliveryAccepted>(accepted =>
        {
            if (_state.Pending.Exists(a => a.Id == accepted.AlertId))
            {
                Persist(new AlertHandedOver(accepted.AlertId), Applied);
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

    public static Props Props(AlertRules rules, ILogStore store, IActorRef notifier, TimeProvider clock, TimeSpan? redeliverEvery = null) =>
        Akka.Actor.Props.Create(() => new SilentAgentCheck(rules, store, notifier, clock, redeliverEvery));

    private void Check()
    {
        // A tick during a check runs another after it, with the clock read then.
        if (_checking)
        {
            _checkAgain = true;
            return;
        }

        _checking = true;
        var now = _clock.GetUtcNow().UtcDateTime;
        var from = AlertWindow.Minus(now, _rules.Settings.SilentAgents.Lookback);
        var store = _store;
        NewestAsync().PipeTo(Self);

        // The newest entry of each agent within the lookback, by entry time.
        async Task<Checked> NewestAsync()
        {
            var newest = new List<(string AgentKey, string Agent, DateTime? Last)>();
            foreach (var agents in (await store.GetAgentsAsync()).GroupBy(AgentKeys.Of, StringComparer.Ordinal))
            {
                var page = await store.QueryAsync(new LogFilter(agents.Key, From: from), new Paging(1, 0));
                newest.Add((agents.Key, agents.First(), page.Entries.Count > 0 ? page.Entries[0].Entry.Timestamp : null));
            }

            return new Checked(now, newest);
        }
    }

    private void OnChecked(Checked result)
    {
        _checking = false;
        if (_checkAgain)
        {
            _checkAgain = false;
            Self.Tell(Tick.Instance);
        }

        var after = _rules.Settings.SilentAgents.After;
        foreach (var (agentKey, agent, last) in result.Newest)
        {
            var silent = last is { } at && result.Now - at >= after;
            if (silent && !_state.Silent.Contains(agentKey))
            {
                var alert = Compose(agentKey, agent, last!.Value, result.Now);
                Persist(new AgentWentSilent(agentKey, alert), e =>
                {
                    Applied(e);
                    _log.Info("Agent {Agent} is silent since {Last:o}: alert {AlertId}", agent, last, alert.Id);
                    _notifier.Tell(new Deliver(alert));
                    Timers.StartPeriodicTimer(PendingDeliveries.TimerKey, RedeliverPending.Instance, _redeliverEvery);
                });
            }
            else if (!silent && _state.Silent.Contains(agentKey))
            {
                Persist(new SilenceEnded(agentKey), Applied);
            }
        }
    }

    private Alert Compose(string agentKey, string agent, DateTime last, DateTime now)
    {
        var minutes = ((long)_rules.Settings.SilentAgents.After.TotalMinutes).ToString(CultureInfo.InvariantCulture);
        var link = $"{_rules.Settings.PublicUrl.TrimEnd('/')}/?agent={Uri.EscapeDataString(agent)}"
            + $"&from={Uri.EscapeDataString(AlertRules.Iso(AlertWindow.Minus(last, TimeSpan.FromHours(1))))}&to={Uri.EscapeDataString(AlertRules.Iso(now))}";
        return new Alert(Guid.NewGuid().ToString("N"), AlertKeys.ForSilentAgent(agentKey), $"[WARNING] {agent}: Agent silent", Level.Warning,
            $"no log for {minutes} min (last entry at {AlertRules.Iso(last)})", agent, null, 0, last, last, now, [], link);
    }

    private void Applied(object e)
    {
        _state = e switch
        {
            AgentWentSilent went => _state.Apply(went),
            SilenceEnded ended => _state.Apply(ended),
            AlertHandedOver handed => _state.Apply(handed),
            _ => _state,
        };
        if (LastSequenceNr % SnapshotEvery == 0)
        {
            SaveSnapshot(_state);
        }
    }

    private void Redeliver() => PendingDeliveries.Redeliver(_state.Pending, _notifier, Timers, _redeliverEvery);

    private sealed record Checked(DateTime Now, IReadOnlyList<(string AgentKey, string Agent, DateTime? Last)> Newest);
}

public static class SilentAgentCheckHosting
{
    /// <summary>The silent-agent check, a cluster singleton; needs the notifier registered as <see cref="AlertNotifier"/> first.</summary>
    public static AkkaConfigurationBuilder AddSilentAgentCheck(this AkkaConfigurationBuilder builder) =>
        builder.WithSingleton<SilentAgentCheck>(
            SilentAgentCheck.ActorName,
            (system, registry, resolver) => SilentAgentCheck.Props(resolver.GetService<AlertRules>(), resolver.GetService<ILogStore>(),
                AlertThresholdHosting.AlertNotifierOf(system, registry), TimeProvider.System).WithDispatcher(AlertingDispatcher.Id),
            new ClusterSingletonOptions());
}
