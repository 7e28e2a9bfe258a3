using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using LogAggregator.Model;
using LogAggregator.Configuration;
using LogAggregator.Querying;
using LogAggregator.Storage;
using static LogAggregator.Storage.AgentStoreProtocol;

namespace LogAggregator.Tests.Storage;

public sealed class AgentStoreSpecs : ActorSpec
{
    private static LogEntry Entry(string agent, string message, Level level = Level.Info) =>
        new(DateTime.UtcNow, level, agent, message, "api", LogEntry.EmptyMetadata);

    private static SourceMark Mark(string source, long endOffset, string agentKey = "CERBERUS") => new(source, agentKey, "1:2#0", endOffset);

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
    public async Task A_failed_commit_fails_the_batches_queued_behind_it_and_the_mark_never_passes_it()
    {
        // The first append fails only once the second has reached the store: pipelined, the second would
        // commit with a mark past lines that were never stored, and a restarted tailer would skip them.
        var failing = new FailingLogStore(Store, 1);
        var store = Sys.ActorOf(Props.Create(() => new AgentStore("CERBERUS", failing)));
        const string source = "node-a|/tmp/cerberus.log";

        store.Tell(new StoreEntries("CERBERUS", [Entry("CERBERUS", "line 1"), Entry("CERBERUS", "line 2")], Mark(source, 14), 1));
        store.Tell(new StoreEntries("CERBERUS", [Entry("CERBERUS", "line 3")], Mark(source, 21), 2));

        var results = ReceiveN(2, TimeSpan.FromSeconds(10)).Cast<StoreEntriesResult>().OrderBy(r => r.BatchId).ToList();
        Assert.Equal([1L, 2L], results.Select(r => r.BatchId));
        Assert.All(results, r => Assert.False(r.Succeeded, $"batch {r.BatchId} was acknowledged"));
        Assert.Empty(await StoredMessagesAsync());
        Assert.Empty(await Store.GetMarksAsync(source));
    }

    [Fact]
    public async Task After_a_failed_commit_later_batches_of_the_same_tailer_are_refused_until_it_starts_over()
    {
        // The tailer may send its next batch before it hears of the failure: that batch must not commit either.
        var failing = new FailingLogStore(Store, 1);
        var store = Sys.ActorOf(Props.Create(() => new AgentStore("CERBERUS", failing)));
        const string source = "node-a|/tmp/cerberus.log";

        store.Tell(new StoreEntries("CERBERUS", [Entry("CERBERUS", "line 1")], Mark(source, 7), 100));
        Assert.False(ExpectMsg<StoreEntriesResult>(TimeSpan.FromSeconds(10)).Succeeded);
        store.Tell(new StoreEntries("CERBERUS", [Entry("CERBERUS", "line 2")], Mark(source, 14), 101));
        Assert.False(ExpectMsg<StoreEntriesResult>(TimeSpan.FromSeconds(10)).Succeeded);

        // A restarted tailer numbers its batches afresh and resends from its checkpoint: that is taken.
        store.Tell(new StoreEntries("CERBERUS", [Entry("CERBERUS", "line 1"), Entry("CERBERUS", "line 2")], Mark(source, 14), 7_000_000_000_000));
        Assert.True(ExpectMsg<StoreEntriesResult>(TimeSpan.FromSeconds(10)).Succeeded);
        Assert.Equal(["line 1", "line 2"], await StoredMessagesAsync());
        Assert.Equal(14, Assert.Single(await Store.GetMarksAsync(source)).EndOffset);
    }

    [Fact]
    public async Task Batches_arriving_during_a_commit_are_committed_together_in_order_and_answered_each()
    {
        using var commitMayProceed = new ManualResetEventSlim(false);
        Store.BeforeCommit = () => commitMayProceed.Wait(TimeSpan.FromSeconds(20));
        var counting = new FailingLogStore(Store);
        var mediator = CreateTestProbe();
        var store = Sys.ActorOf(Props.Create(() => new AgentStore("HERMES", counting, new LiveTailTopic(mediator.Ref))));
        const string source = "node-a|/tmp/hermes.log";

        store.Tell(new StoreEntries("HERMES", [Entry("HERMES", "a")], Mark(source, 2, "HERMES"), 1));
        await AwaitConditionAsync(() => Task.FromResult(counting.Calls == 1), TimeSpan.FromSeconds(10));
        store.Tell(new StoreEntries("HERMES", [Entry("HERMES", "b"), Entry("HERMES", "c")], Mark(source, 6, "HERMES"), 2));
        store.Tell(new StoreEntries("HERMES", [Entry("HERMES", "d"), Entry("HERMES", "e"), Entry("HERMES", "f")], Mark(source, 12, "HERMES"), 3));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        commitMayProceed.Set();

        var results = ReceiveN(3, TimeSpan.FromSeconds(10)).Cast<StoreEntriesResult>().ToList();
        Store.BeforeCommit = null;
        Assert.Equal([1L, 2L, 3L], results.Select(r => r.BatchId));
        Assert.Equal([1, 2, 3], results.Select(r => r.Count));
        Assert.All(results, r => Assert.True(r.Succeeded));
        Assert.Equal([1, 5], counting.AppendSizes);
        Assert.Equal(["a", "b", "c", "d", "e", "f"], await StoredMessagesAsync());
        Assert.Equal(12, Assert.Single(await Store.GetMarksAsync(source)).EndOffset);

        // One live-tail message per command, each with the ids of its own entries.
        var published = Enumerable.Range(0, 3)
            .Select(_ => Assert.IsType<LiveTailProtocol.EntriesStored>(mediator.ExpectMsg<Publish>().Message))
            .ToList();
        Assert.Equal([["a"], ["b", "c"], ["d", "e", "f"]], published.Select(p => p.Entries.Select(e => e.Entry.Message).ToArray()));
        var ids = published.SelectMany(p => p.Entries.Select(e => e.Id)).ToList();
        foreach (var (id, message) in ids.Zip(["a", "b", "c", "d", "e", "f"]))
        {
            Assert.Equal(message, (await Store.GetAsync(id))?.Entry.Message);
        }
    }

    [Fact]
    public async Task A_store_passivated_during_a_commit_answers_everything_it_holds_before_it_stops()
    {
        using var commitMayProceed = new ManualResetEventSlim(false);
        Store.BeforeCommit = () => commitMayProceed.Wait(TimeSpan.FromSeconds(20));
        var counting = new FailingLogStore(Store);
        var store = Sys.ActorOf(Props.Create(() => new AgentStore("ATLAS", counting)));
        Watch(store);

        store.Tell(new StoreEntries("ATLAS", [Entry("ATLAS", "in flight")], null, 1));
        await AwaitConditionAsync(() => Task.FromResult(counting.Calls == 1), TimeSpan.FromSeconds(10));
        store.Tell(new StoreEntries("ATLAS", [Entry("ATLAS", "queued")], null, 2));
        store.Tell(Stop.Instance);
        commitMayProceed.Set();

        var results = ReceiveN(2, TimeSpan.FromSeconds(10)).Cast<StoreEntriesResult>().ToList();
        Store.BeforeCommit = null;
        Assert.Equal([1L, 2L], results.Select(r => r.BatchId));
        Assert.All(results, r => Assert.True(r.Succeeded));
        ExpectTerminated(store, TimeSpan.FromSeconds(10));
        Assert.Equal(["in flight", "queued"], await StoredMessagesAsync());
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
        Assert.InRange(int.Parse(shard), 0, ClusterSettings.DefaultShards - 1);
    }

    [Fact]
    public void Extractor_spreads_agents_over_the_configured_shards_only()
    {
        var extractor = new AgentStoreMessageExtractor(7);
        var shards = Enumerable.Range(0, 500)
            .Select(i => $"AGENT-{i}")
            .Select(agent => int.Parse(extractor.ShardId(agent, new StoreEntries(agent, [], null, 1))))
            .ToHashSet();

        Assert.Equal(Enumerable.Range(0, 7).ToHashSet(), shards);
    }
}
