using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Cluster.Hosting;
using Akka.DependencyInjection;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Hosting;
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
/// </summary>
public sealed class AgentStore : ReceiveActor
{
    public const string RegionName = "agent-store";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _agentKey;
    private readonly ILogStore _store;
    private readonly LiveTailTopic _liveTail;
    private readonly long[] _committedByLevel = new long[Levels.All.Count];

    public AgentStore(string agentKey, ILogStore store)
        : this(agentKey, store, LiveTailTopic.None)
    {
    }

    [ActivatorUtilitiesConstructor]
    public AgentStore(string agentKey, ILogStore store, LiveTailTopic liveTail)
    {
        _agentKey = agentKey;
        _store = store;
        _liveTail = liveTail;

        Receive<StoreEntries>(Store);
        Receive<Committed>(OnCommitted);
    }

    private void Store(StoreEntries command)
    {
        var sender = Sender;
        var foreign = command.Entries.FirstOrDefault(e => e.AgentKey != _agentKey);
        if (foreign is not null)
        {
            sender.Tell(new StoreEntriesResult(_agentKey, command.BatchId, 0,
                $"entry of agent '{foreign.Agent}' sent to the store of '{_agentKey}'"));
            return;
        }

        if (command.Entries.Count == 0 && command.Mark is null)
        {
            sender.Tell(new StoreEntriesResult(_agentKey, command.BatchId, 0, null));
            return;
        }

        IReadOnlyList<SourceMark> marks = command.Mark is null ? [] : [command.Mark];
        var started = Stopwatch.GetTimestamp();
        _store.AppendAsync(command.Entries, marks).PipeTo(Self,
            success: ids => new Committed(command, sender, ids, Stopwatch.GetElapsedTime(started), null),
            failure: e => new Committed(command, sender, [], Stopwatch.GetElapsedTime(started), e.GetBaseException().Message));
    }

    private void OnCommitted(Committed committed)
    {
        var (command, sender, ids, elapsed, error) = committed;
        LogAggregatorMetrics.RecordStoreBatch(elapsed);
        if (error is not null)
        {
            _log.Warning("Storing {Count} entries of {Agent} failed: {Error}", command.Entries.Count, _agentKey, error);
        }
        else
        {
            Count(command);
            if (ids.Count == command.Entries.Count)
            {
                _liveTail.Publish(new StoredEntryList(command.Entries, ids));
            }
        }

        sender.Tell(new StoreEntriesResult(_agentKey, command.BatchId, error is null ? command.Entries.Count : 0, error));
    }

    private void Count(StoreEntries command)
    {
        foreach (var entry in command.Entries)
        {
            _committedByLevel[(int)entry.Level]++;
        }

        // Every batch of a tailer carries its source mark; an HTTP batch never has one.
        var kind = command.Mark is null ? SourceKind.Http : SourceKind.File;
        for (var level = 0; level < _committedByLevel.Length; level++)
        {
            if (_committedByLevel[level] > 0)
            {
                LogAggregatorMetrics.RecordIngested(kind, (Level)level, _committedByLevel[level]);
                _committedByLevel[level] = 0;
            }
        }
    }

    private sealed record Committed(
        StoreEntries Command, IActorRef Sender, IReadOnlyList<string> Ids, TimeSpan Elapsed, string? Error);
}

public static class AgentStoreHosting
{
    /// <summary>The region of agent stores; each entity gets its <see cref="ILogStore"/> from DI.</summary>
    public static AkkaConfigurationBuilder AddAgentStores(this AkkaConfigurationBuilder builder) =>
        builder.WithShardRegion<AgentStore>(
            AgentStore.RegionName,
            (system, _, resolver) =>
            {
                var liveTail = new LiveTailTopic(DistributedPubSub.Get(system).Mediator);
                return agentKey => resolver.Props<AgentStore>(agentKey, liveTail);
            },
            new AgentStoreMessageExtractor(),
            new ShardOptions { StateStoreMode = Akka.Cluster.Sharding.StateStoreMode.DData, RememberEntities = false });
}
