using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using TopicSubscribe = Akka.Cluster.Tools.PublishSubscribe.Subscribe;
using TopicUnsubscribe = Akka.Cluster.Tools.PublishSubscribe.Unsubscribe;
using static LogAggregator.Querying.LiveTailProtocol;
using Akka.Event;
using Akka.Hosting;
using LogAggregator.Model;

namespace LogAggregator.Querying;

/// <summary>
/// One per node: takes the cluster-wide <see cref="EntriesStored"/> events and hands each local client the
/// entries matching its filter, through the client's bounded channel. Filters run here, so a client's buffer
/// only ever holds what it will send. A client whose buffer is full is dropped at once (its channel completed
/// with <see cref="LiveTailDroppedException"/>): a slow reader never holds up this actor, and nothing here
/// ever holds up the agent stores, which only publish. The node subscribes to the topic only while it has
/// clients, so with nobody tailing anywhere the mediator has no one to deliver to.
/// </summary>
public sealed class LiveTail : ReceiveActor
{
    public const string ActorName = "live-tail";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _mediator;
    private readonly Dictionary<Guid, Client> _clients = [];
    private readonly List<(IActorRef Asker, Guid ClientId)> _awaitingAck = [];
    private TopicState _topic = TopicState.Unsubscribed;

    public LiveTail(IActorRef mediator)
    {
        _mediator = mediator;

        Receive<LiveTailProtocol.Subscribe>(OnSubscribe);
        Receive<LiveTailProtocol.Unsubscribe>(u => Remove(u.ClientId));
        Receive<SubscribeAck>(_ => OnTopicSubscribed());
        Receive<UnsubscribeAck>(_ => { });
        Receive<EntriesStored>(OnEntriesStored);
    }

    public static Props Props(IActorRef mediator) => Akka.Actor.Props.Create(() => new LiveTail(mediator));

    private void OnSubscribe(LiveTailProtocol.Subscribe subscribe)
    {
        _clients[subscribe.ClientId] = new Client(subscribe.Filter, subscribe.Writer);
        switch (_topic)
        {
            case TopicState.Subscribed:
                Sender.Tell(new Subscribed(subscribe.ClientId));
                break;
            case TopicState.Subscribing:
                _awaitingAck.Add((Sender, subscribe.ClientId));
                break;
            default:
                _awaitingAck.Add((Sender, subscribe.ClientId));
                _topic = TopicState.Subscribing;
                _mediator.Tell(new TopicSubscribe(LiveTailTopic.Name, Self));
                break;
        }
    }

    private void OnTopicSubscribed()
    {
        if (_topic != TopicState.Subscribing)
        {
            return;
        }

        _topic = TopicState.Subscribed;
        foreach (var (asker, clientId) in _awaitingAck)
        {
            asker.Tell(new Subscribed(clientId));
        }

        _awaitingAck.Clear();
    }

    private void OnEntriesStored(EntriesStored stored)
    {
        List<Guid>? dropped = null;
        foreach (var (id, client) in _clients)
        {
            foreach (var entry in stored.Entries)
            {
                if (client.Filter.Matches(entry.Entry) && !client.Writer.TryWrite(entry))
                {
                    client.Writer.TryComplete(new LiveTailDroppedException(
                        "the client did not keep up: its buffer of unsent entries is full"));
                    (dropped ??= []).Add(id);
                    break;
                }
            }
        }

        foreach (var id in dropped ?? [])
        {
            _log.Info("Live-tail client {ClientId} dropped: its buffer is full", id);
            Remove(id);
        }
    }

    private void Remove(Guid clientId)
    {
        if (!_clients.Remove(clientId, out var client))
        {
            return;
        }

        client.Writer.TryComplete();
        _awaitingAck.RemoveAll(a => a.ClientId == clientId);
        if (_clients.Count == 0 && _topic != TopicState.Unsubscribed)
        {
            _topic = TopicState.Unsubscribed;
            _mediator.Tell(new TopicUnsubscribe(LiveTailTopic.Name, Self));
        }
    }

    protected override void PostStop()
    {
        foreach (var client in _clients.Values)
        {
            client.Writer.TryComplete(new LiveTailDroppedException("the server is shutting down"));
        }

        base.PostStop();
    }

    private enum TopicState
    {
        Unsubscribed,
        Subscribing,
        Subscribed,
    }

    private sealed record Client(LiveTailFilter Filter, ChannelWriter<StoredEntry> Writer);
}

/// <summary>
/// How an agent store reaches the live tail: one <see cref="Publish"/> to the node's pub-sub mediator per
/// committed batch, a fire-and-forget tell that never waits on any reader.
/// </summary>
public sealed class LiveTailTopic
{
    public const string Name = "live-tail";

    /// <summary>Publishes nowhere (specs and tools without a cluster).</summary>
    public static readonly LiveTailTopic None = new(null);

    private readonly IActorRef? _mediator;

    public LiveTailTopic(IActorRef? mediator) => _mediator = mediator;

    public void Publish(IReadOnlyList<StoredEntry> entries)
    {
        if (_mediator is not null && entries.Count > 0)
        {
            _mediator.Tell(new Publish(Name, new EntriesStored(entries)));
        }
    }
}

public static class LiveTailHosting
{
    public static AkkaConfigurationBuilder AddLiveTail(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry) =>
            registry.Register<LiveTail>(system.ActorOf(LiveTail.Props(DistributedPubSub.Get(system).Mediator), LiveTail.ActorName)));
}
