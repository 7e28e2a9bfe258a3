using Akka.Actor;
using Akka.Event;
using Akka.Cluster.Hosting;
using Akka.DependencyInjection;
using Akka.Hosting;
using LogAggregator.Model;
using static LogAggregator.Storage.AgentStoreProtocol;

namespace LogAggregator.Storage;

/// <summary>
/// The store of one agent (a sharded entity, id = agent key). It checks what it is given, hands it to the
/// log store, and answers only after the commit: the tailer's checkpoint and the HTTP 200 both wait on
/// that answer. It also keeps the agent's counters since the entity started.
/// </summary>
public sealed class AgentStore : ReceiveActor
{
    public const string RegionName = "agent-store";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _agentKey;
    private readonly ILogStore _store;
    private readonly long[] _storedByLevel = new long[Levels.All.Count];

    public AgentStore(string agentKey, ILogStore store)
    {
        _agentKey = agentKey;
        _store = store;

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
        _store.AppendAsync(command.Entries, marks).PipeTo(Self,
            success: _ => new Committed(command, sender, null),
            failure: e => new Committed(command, sender, e.GetBaseException().Message));
    }

    private void OnCommitted(Committed committed)
    {
        var (command, sender, error) = committed;
        if (error is not null)
        {
            _log.Warning("Storing {Count} entries of {Agent} failed: {Error}", command.Entries.Count, _agentKey, error);
        }
        else
        {
            foreach (var entry in command.Entries)
            {
                _storedByLevel[(int)entry.Level]++;
            }
        }

        sender.Tell(new StoreEntriesResult(_agentKey, command.BatchId, error is null ? command.Entries.Count : 0, error));
    }

    private sealed record Committed(StoreEntries Command, IActorRef Sender, string? Error);
}

public static class AgentStoreHosting
{
    /// <summary>The region of agent stores; each entity gets its <see cref="ILogStore"/> from DI.</summary>
    public static AkkaConfigurationBuilder AddAgentStores(this AkkaConfigurationBuilder builder) =>
        builder.WithShardRegion<AgentStore>(
            AgentStore.RegionName,
            (_, _, resolver) => agentKey => resolver.Props<AgentStore>(agentKey),
            new AgentStoreMessageExtractor(),
            new ShardOptions { StateStoreMode = Akka.Cluster.Sharding.StateStoreMode.DData, RememberEntities = false });
}
