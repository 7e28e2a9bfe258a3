using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using LogAggregator.Model;
using LogAggregator.Querying;
using LogAggregator.Storage;
using static LogAggregator.Storage.AgentStoreProtocol;

namespace LogAggregator.Tests.Storage;

public sealed class AgentStoreSpecs : ActorSpec
{
    private static LogEntry Entry(string agent, string message, Level level = Level.Info) =>
        new(DateTime.UtcNow, level, agent, message, "api", LogEntry.EmptyMetadata);

    [Fact]
    public async Task Acknowledges_only_after_the_entries_are_committed()
    {
        using var commitReached = new ManualResetEventSlim(false);
        using var commitMayProceed = new ManualResetEventSlim(false);
        Store.BeforeCommit = () =>
        {
            commitReached.Set();
            commitMayProceed.Wait(TimeSpan.FromSeconds(20));
        };
        var store = Sys.ActorOf(Props.Create(() => new AgentStore("HERMES", Store)));

        store.Tell(new StoreEntries("HERMES", [Entry("Hermes", "queued"), Entry("HERMES", "also queued")], null, 7));

        // The commit is held open: an acknowledgement sent with or before handing the batch over is already on its way.
        Assert.True(commitReached.Wait(TimeSpan.FromSeconds(10)), "the batch never reached the store's commit");
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Empty(await StoredMessagesAsync());

        commitMayProceed.Set();
        var result = ExpectMsg<StoreEntriesResult>(TimeSpan.FromSeconds(10));
        Assert.True(result.Succeeded);
        Assert.Equal(7, result.BatchId);
        Assert.Equal(2, result.Count);
        Assert.Equal(["queued", "also queued"], await StoredMessagesAsync());
    }

    [Fact]
    public void Committed_entries_are_published_to_the_live_tail_with_their_ids()
    {
        var mediator = CreateTestProbe();
        var store = Sys.ActorOf(Props.Create(() => new AgentStore("HERMES", Store, new LiveTailTopic(mediator.Ref))));

        store.Tell(new StoreEntries("HERMES", [Entry("Hermes", "first"), Entry("hermes", "second")], null, 4));

        ExpectMsg<StoreEntriesResult>(TimeSpan.FromSeconds(10));
        var publish = mediator.ExpectMsg<Publish>();
        Assert.Equal(LiveTailTopic.Name, publish.Topic);
        var stored = Assert.IsType<LiveTailProtocol.EntriesStored>(publish.Message);
        Assert.Equal(["first", "second"], stored.Entries.Select(e => e.Entry.Message));
        Assert.All(stored.Entries, e => Assert.False(string.IsNullOrEmpty(e.Id)));
        Assert.Equal(2, stored.Entries.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public void A_failed_commit_publishes_nothing()
    {
        Store.BeforeCommit = () => throw new IOException("disk full");
        var mediator = CreateTestProbe();
        var store = Sys.ActorOf(Props.Create(() => new AgentStore("ATLAS", Store, new LiveTailTopic(mediator.Ref))));

        store.Tell(new StoreEntries("ATLAS", [Entry("ATLAS", "lost?")], null, 3));

        Assert.False(ExpectMsg<StoreEntriesResult>(TimeSpan.FromSeconds(10)).Succeeded);
        Store.BeforeCommit = null;

        // The next batch commits and is published: had the failed one been published, it would come first.
        store.Tell(new StoreEntries("ATLAS", [Entry("ATLAS", "kept")], null, 4));
        Assert.True(ExpectMsg<StoreEntriesResult>(TimeSpan.FromSeconds(10)).Succeeded);
        var stored = Assert.IsType<LiveTailProtocol.EntriesStored>(mediator.ExpectMsg<Publish>().Message);
        Assert.Equal(["kept"], stored.Entries.Select(e => e.Entry.Message));
    }

    [Fact]
    public async Task A_failed_commit_is_answered_with_the_error_and_stores_nothing()
    {
        Store.BeforeCommit = () => throw new IOException("disk full");
        var store = Sys.ActorOf(Props.Create(() => new AgentStore("ATLAS", Store)));

        store.Tell(new StoreEntries("ATLAS", [Entry("ATLAS", "lost?")], null, 3));

        var result = ExpectMsg<StoreEntriesResult>(TimeSpan.FromSeconds(10));
        Assert.False(result.Succeeded);
        Assert.Contains("disk full", result.Error);
        Store.BeforeCommit = null;
        Assert.Empty(await StoredMessagesAsync());
    }

    [Fact]
    public void Entries_of_another_agent_are_refused()
    {
        var store = Sys.ActorOf(Props.Create(() => new AgentStore("ATLAS", Store)));

        store.Tell(new StoreEntries("ATLAS", [Entry("HERMES", "misrouted")], null, 1));

        var result = ExpectMsg<StoreEntriesResult>();
        Assert.False(result.Succeeded);
        Assert.Contains("HERMES", result.Error);
    }

    [Fact]
    public void Extractor_routes_by_agent_key_to_a_stable_shard()
    {
        var extractor = new AgentStoreMessageExtractor();
        var message = new StoreEntries("CERBERUS", [], null, 1);

        Assert.Equal("CERBERUS", extractor.EntityId(message));
        var shard = extractor.ShardId("CERBERUS", message);
        Assert.Equal(shard, extractor.ShardId("CERBERUS", new StoreEntries("CERBERUS", [], null, 2)));
        Assert.InRange(int.Parse(shard), 0, AgentStoreMessageExtractor.ShardCount - 1);
    }
}
