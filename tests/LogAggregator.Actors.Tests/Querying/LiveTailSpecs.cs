using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.TestKit;
using LogAggregator.Model;
using LogAggregator.Querying;
using LogAggregator.Storage;
using static LogAggregator.Querying.LiveTailProtocol;
using TopicSubscribe = Akka.Cluster.Tools.PublishSubscribe.Subscribe;
using TopicUnsubscribe = Akka.Cluster.Tools.PublishSubscribe.Unsubscribe;

namespace LogAggregator.Tests.Querying;

/// <summary>The live tail of one node, with a probe standing in for the cluster's pub-sub mediator.</summary>
public sealed class LiveTailSpecs : Akka.TestKit.Xunit2.TestKit
{
    private readonly TestProbe _mediator;
    private readonly IActorRef _liveTail;
    private bool _onTopic;
    private int _nextId;

    public LiveTailSpecs()
    {
        _mediator = CreateTestProbe();
        _liveTail = Sys.ActorOf(LiveTail.Props(_mediator.Ref));
    }

    private StoredEntry Stored(string agent, string message, Level level = Level.Info, string metadata = LogEntry.EmptyMetadata) =>
        new($"20240115-{++_nextId}", new LogEntry(DateTime.UtcNow, level, agent, message, "api", metadata));

    /// <summary>Subscribes a client; the first one makes the node join the topic, and waits for the mediator's ack.</summary>
    private (Guid Id, Channel<StoredEntry> Channel) Connect(LiveTailFilter filter, int capacity = 100)
    {
        var channel = Channel.CreateBounded<StoredEntry>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });
        var id = Guid.NewGuid();
        _liveTail.Tell(new LiveTailProtocol.Subscribe(id, filter, channel.Writer), TestActor);
        if (!_onTopic)
        {
            var subscribe = _mediator.ExpectMsg<TopicSubscribe>();
            Assert.Equal(LiveTailTopic.Name, subscribe.Topic);
            // Not subscribed before the topic is: the actor answers Identify in mailbox order, so a premature
            // Subscribed would arrive first.
            AssertProcessedWithoutSending();
            _mediator.Reply(new SubscribeAck(subscribe));
            _onTopic = true;
        }

        Assert.Equal(id, ExpectMsg<Subscribed>().ClientId);
        return (id, channel);
    }

    /// <summary>
    /// Waits until the live tail has handled every message sent to it so far (it answers Identify in mailbox
    /// order, so anything it sent the test actor before comes first and fails the wait), then checks that it sent
    /// the mediator nothing meanwhile: a message it sends is in the probe's queue before it handles the next.
    /// </summary>
    private void AssertProcessedWithoutSending()
    {
        _liveTail.Tell(new Identify("processed"), TestActor);
        ExpectMsg<ActorIdentity>();
        if (_mediator.HasMessages)
        {
            Assert.Fail($"the mediator got {_mediator.ReceiveOne(TimeSpan.Zero)}");
        }
    }

    private static List<string> Drain(Channel<StoredEntry> channel)
    {
        var messages = new List<string>();
        while (channel.Reader.TryRead(out var entry))
        {
            messages.Add(entry.Entry.Message);
        }

        return messages;
    }

    [Fact]
    public void A_slow_client_is_dropped_while_a_fast_one_keeps_receiving()
    {
        var (_, fast) = Connect(LiveTailFilter.All, capacity: 1000);
        var (_, slow) = Connect(LiveTailFilter.All, capacity: 3);

        _liveTail.Tell(new EntriesStored([Stored("ATLAS", "a1"), Stored("ATLAS", "a2")]));
        _liveTail.Tell(new EntriesStored([Stored("ATLAS", "a3"), Stored("ATLAS", "a4"), Stored("ATLAS", "a5")]));
        _liveTail.Tell(new EntriesStored([Stored("ATLAS", "a6")]));

        AwaitCondition(() => fast.Reader.Count == 6, TimeSpan.FromSeconds(5));
        Assert.Equal(["a1", "a2", "a3"], Drain(slow));
        var dropped = Assert.Throws<AggregateException>(() => slow.Reader.Completion.Wait(TimeSpan.FromSeconds(5)));
        Assert.IsType<LiveTailDroppedException>(dropped.InnerException);
        Assert.Equal(["a1", "a2", "a3", "a4", "a5", "a6"], Drain(fast));
        Assert.False(fast.Reader.Completion.IsCompleted);
        AssertProcessedWithoutSending(); // the fast client still listens: the node stays on the topic
    }

    [Fact]
    public void Each_client_gets_only_entries_matching_its_agent_level_and_pattern()
    {
        var (_, byAgent) = Connect(new LiveTailFilter(AgentKey: AgentKeys.Of("hermes")));
        var (_, byLevel) = Connect(new LiveTailFilter(Level: Level.Error));
        var (_, byPattern) = Connect(new LiveTailFilter(Pattern: SearchPattern.Parse(@"order \d+")));
        var (_, literal) = Connect(new LiveTailFilter(Pattern: SearchPattern.Parse("disk[")));

        _liveTail.Tell(new EntriesStored(
        [
            Stored("Hermes", "sent order 42"),
            Stored("HERMESX", "not hermes"),
            Stored("ATLAS", "ORDER 7 failed", Level.Error),
            Stored("ATLAS", "disk[0] full", Level.Warning, """{"note":"order 9"}"""),
        ]));

        AwaitCondition(() => byPattern.Reader.Count == 3, TimeSpan.FromSeconds(5));
        Assert.Equal(["sent order 42"], Drain(byAgent));
        Assert.Equal(["ORDER 7 failed"], Drain(byLevel));
        Assert.Equal(["sent order 42", "ORDER 7 failed", "disk[0] full"], Drain(byPattern));
        Assert.Equal(["disk[0] full"], Drain(literal));
    }

    [Fact]
    public void The_node_leaves_the_topic_with_its_last_client_and_joins_again_for_the_next()
    {
        var (firstId, first) = Connect(LiveTailFilter.All);
        var (secondId, second) = Connect(LiveTailFilter.All);

        _liveTail.Tell(new LiveTailProtocol.Unsubscribe(secondId));
        AssertProcessedWithoutSending();
        AwaitCondition(() => second.Reader.Completion.IsCompletedSuccessfully);

        _liveTail.Tell(new LiveTailProtocol.Unsubscribe(firstId));
        Assert.Equal(LiveTailTopic.Name, _mediator.ExpectMsg<TopicUnsubscribe>().Topic);
        AwaitCondition(() => first.Reader.Completion.IsCompletedSuccessfully);

        _onTopic = false;
        var (_, third) = Connect(LiveTailFilter.All);
        _liveTail.Tell(new EntriesStored([Stored("ATLAS", "after rejoining")]));
        AwaitCondition(() => third.Reader.Count == 1);
    }
}
