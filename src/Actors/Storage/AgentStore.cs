using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Cluster.Hosting;
using Akka.DependencyInjection;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Hosting;
using LogAggregator.Alerting;
using LogAggregator.Configuration;
using LogAggregator.Model;
using LogAggregator.Querying;
using LogAggregator.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using static LogAggregator.Storage.AgentStoreProtocol;

namespace LogAggregator.Storage;

/// <summary>
/// The store of one agent (a sharded entity, id = agent key). It checks what it is given, hands it to the
/// log store, and answers only after the commit: the tailer's checkpoint and the HTTP 200 both wait on
/// that answer. It counts what it committed into the ingest metrics (the store keeps the totals the API reports)
/// and publishes it to the live tail.
/// <para>
/// Commits of one agent are applied in the order the commands arrived: at most one append is under way, and
/// the commands arriving meanwhile wait, then go to the log store together as the next append (one commit for
/// many senders keeps the throughput pipelining had). A failed append fails everything queued behind it, which
/// is never sent: otherwise a later batch's source mark could commit past lines that were not stored, and the
/// restarted tailer would skip them for good. For the same reason, once a tailer's batch failed, the batches that
/// incarnation of the tailer sent before it heard of the failure are refused too (<see cref="FailedTailers"/>).
/// </para>
/// </summary>
public sealed class AgentStore : ReceiveActor
{
    public const string RegionName = "agent-store";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _agentKey;
    private readonly ILogStore _store;
    private readonly LiveTailTopic _liveTail;
    private readonly AlertHandOff _alerts;
    private readonly long[] _committedByLevel = new long[Levels.All.Count];
    private readonly List<Waiting> _queued = [];
    private readonly FailedTailers _failedTailers = new();
    private bool _stopping;

    public AgentStore(string agentKey, ILogStore store)
        : this(agentKey, store, LiveTailTopic.None, AlertHandOff.None)
    {
    }

    public AgentStore(string agentKey, ILogStore store, LiveTailTopic liveTail)
        : this(agentKey, store, liveTail, AlertHandOff.None)
    {
    }

    [ActivatorUtilitiesConstructor]
    public AgentStore(string agentKey, ILogStore store, LiveTailTopic liveTail, AlertHandOff alerts)
    {
        _agentKey = agentKey;
        _store = store;
        _liveTail = liveTail;
        _alerts = alerts;
        Idle();
    }

    /// <summary>No append under way: the next command goes to the log store at once.</summary>
    private void Idle()
    {
        Receive<StoreEntries>(command =>
        {
            if (Accept(command))
            {
                Append([new Waiting(command, Sender)]);
            }
        });
        Receive<Stop>(_ => Context.Stop(Self));
    }

    /// <summary>One append under way; commands wait for it in arrival order.</summary>
    private void Appending()
    {
        Receive<StoreEntries>(command =>
        {
            if (Accept(command))
            {
                _queued.Add(new Waiting(command, Sender));
            }
        });
        Receive<Appended>(OnAppended);

        // Stopping now would leave the senders unanswered and let the next incarnation commit ahead of this
        // append; the shard buffers new commands until we are gone, so finishing what we hold is enough.
        Receive<Stop>(_ => _stopping = true);
    }

    /// <summary>Answers at once what is refused or holds nothing to commit; true when the command is to be committed.</summary>
    private bool Accept(StoreEntries command)
    {
        var foreign = command.Entries.FirstOrDefault(e => e.AgentKey != _agentKey);
        if (foreign is not null)
        {
            Sender.Tell(new StoreEntriesResult(_agentKey, command.BatchId, 0,
                $"entry of agent '{foreign.Agent}' sent to the store of '{_agentKey}'"));
            return false;
        }

        if (command.Mark is { } mark && _failedTailers.Refuses(mark.SourceKey, command.BatchId) is { } failure)
        {
            Sender.Tell(new StoreEntriesResult(_agentKey, command.BatchId, 0,
                $"not stored: an earlier batch of {mark.SourceKey} failed ({failure}); resend from the checkpoint"));
            return false;
        }

        if (command.Entries.Count == 0 && command.Mark is null)
        {
            Sender.Tell(new StoreEntriesResult(_agentKey, command.BatchId, 0, null));
            return false;
        }

        return true;
    }

    private void Append(IReadOnlyList<Waiting> group)
    {
        var (entries, marks) = AgentStoreBatch.Merge(group.Select(w => w.Command));
        var started = Stopwatch.GetTimestamp();
        _store.AppendAsync(entries, marks).PipeTo(Self,
            success: ids => new Appended(group, ids, Stopwatch.GetElapsedTime(started), null),
            failure: e => new Appended(group, [], Stopwatch.GetElapsedTime(started), e.GetBaseException().Message));
        Become(Appending);
    }

    private void OnAppended(Appended appended)
    {
        var (group, ids, elapsed, error) = appended;
        LogAggregatorMetrics.RecordStoreBatch(elapsed);
        if (error is null)
        {
            Answer(group, ids);
        }
        else
        {
            Fail(group, error);
        }

        if (_queued.Count > 0)
        {
            var next = _queued.ToArray();
            _queued.Clear();
            Append(next);
        }
        else if (_stopping)
        {
            Context.Stop(Self);
        }
        else
        {
            Become(Idle);
        }

        // After the next append has started: classifying for alerting overlaps that commit instead of delaying it.
        if (error is null)
        {
            HandToAlerting(group, ids);
        }
    }

    private void Answer(IReadOnlyList<Waiting> group, IReadOnlyList<string> ids)
    {
        var total = group.Sum(w => w.Command.Entries.Count);
        var offset = 0;
        foreach (var (command, sender) in group)
        {
            var count = command.Entries.Count;
            Count(command);
            if (ids.Count == total && count > 0)
            {
                var own = group.Count == 1 ? ids : new AgentStoreBatch.IdSlice(ids, offset, count);
                _liveTail.Publish(new StoredEntryList(command.Entries, own));
            }

            offset += count;
            sender.Tell(new StoreEntriesResult(_agentKey, command.BatchId, count, null));
        }
    }

    /// <summary>Only committed entries count toward alerts: the store is the record of occurrences (see AlertThreshold).</summary>
    private void HandToAlerting(IReadOnlyList<Waiting> group, IReadOnlyList<string> ids)
    {
        if (ids.Count > 0 && ids.Count == group.Sum(w => w.Command.Entries.Count))
        {
            _alerts.Hand(group.SelectMany(w => w.Command.Entries), ids);
        }
    }

    /// <summary>The failed append and everything queued behind it are answered with the error; none of it was sent.</summary>
    private void Fail(IReadOnlyList<Waiting> group, string error)
    {
        _log.Warning("Storing {Count} entries of {Agent} failed, and {Queued} commands queued behind them with it: {Error}",
            group.Sum(w => w.Command.Entries.Count), _agentKey, _queued.Count, error);
        foreach (var (command, sender) in group)
        {
            Refuse(command, sender, error);
        }

        foreach (var (command, sender) in _queued)
        {
            Refuse(command, sender, $"not stored: an earlier batch of {_agentKey} failed ({error})");
        }

        _queued.Clear();

        void Refuse(StoreEntries command, IActorRef sender, string reason)
        {
            if (command.Mark is { } mark)
            {
                _failedTailers.Failed(mark.SourceKey, command.BatchId, error);
            }

            sender.Tell(new StoreEntriesResult(_agentKey, command.BatchId, 0, reason));
        }
    }

    private void Count(StoreEntries command)
    {
        foreach (var entry in command.Entries)
        {
            _committedByLevel[(int)entry.Level]++;
        }

        // Every batch of a tailer carries its source mark; an HTTP batch never has one.
        var kind = command.Kind ?? (command.Mark is null ? SourceKind.Http : SourceKind.File);
        for (var level = 0; level < _committedByLevel.Length; level++)
        {
            if (_committedByLevel[level] > 0)
            {
                LogAggregatorMetrics.RecordIngested(kind, (Level)level, _committedByLevel[level]);
                _committedByLevel[level] = 0;
            }
        }
    }

    private readonly record struct Waiting(StoreEntries Command, IActorRef Sender);

    private sealed record Appended(IReadOnlyList<Waiting> Group, IReadOnlyList<string> Ids, TimeSpan Elapsed, string? Error);
}

public static class AgentStoreHosting
{
    /// <summary>
    /// The region of agent stores; each entity gets its <see cref="ILogStore"/> from DI. When the node's
    /// <see cref="AlertIntake"/> is added before it (and <see cref="AlertRules"/> is in DI), committed entries are
    /// handed to alerting.
    /// </summary>
    public static AkkaConfigurationBuilder AddAgentStores(this AkkaConfigurationBuilder builder, int shards = ClusterSettings.DefaultShards) =>
        builder.WithShardRegion<AgentStore>(
            AgentStore.RegionName,
            (system, registry, resolver) =>
            {
                var liveTail = new LiveTailTopic(DistributedPubSub.Get(system).Mediator);
                var alerts = registry.TryGet<AlertIntake>(out var intake)
                    ? new AlertHandOff(intake, resolver.GetService<AlertRules>(), TimeProvider.System)
                    : AlertHandOff.None;
                return agentKey => resolver.Props<AgentStore>(agentKey, liveTail, alerts);
            },
            new AgentStoreMessageExtractor(shards),
            new ShardOptions
            {
                StateStoreMode = Akka.Cluster.Sharding.StateStoreMode.DData,
                RememberEntities = false,
                HandOffStopMessage = Stop.Instance,
            });
}
