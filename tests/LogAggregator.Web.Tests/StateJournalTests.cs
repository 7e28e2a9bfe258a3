using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;

namespace LogAggregator.Web.Tests;

/// <summary>
/// The state journal of a cluster of one skips the recovery reads of ids with nothing stored, on a real SQLite file:
/// what was stored before the start or written since still recovers, and an id written behind its back (what a
/// second node would do, hence the cluster-of-one restriction) is caught by the journal's unique index.
/// </summary>
public sealed class StateJournalTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "logagg-journal-" + Guid.NewGuid().ToString("N")[..12]);

    public StateJournalTests() => Directory.CreateDirectory(_root);

    [Fact]
    public async Task Ids_stored_before_the_start_or_written_since_recover_and_only_ids_with_nothing_stored_skip_the_reads()
    {
        var path = Path.Combine(_root, "state.db");
        using (var before = Start(path, stateJournal: true))
        {
            Assert.Equal(["stored"], await Persist(before, "old", "stored"));
            await before.Terminate();
        }

        using var system = Start(path, stateJournal: true);
        var fresh = FreshPersistenceIds.Get(system);
        Assert.False(fresh.IsFresh("old"));
        Assert.True(fresh.IsFresh("new"));
        Assert.Equal(["stored"], await Recovered(system, "old"));

        Assert.Empty(await Recovered(system, "new"));
        Assert.Equal(["first"], await Persist(system, "new", "first"));
        Assert.False(fresh.IsFresh("new"));
        Assert.Equal(["first"], await Recovered(system, "new"));

        // Another writer (here a plain SQL journal on the same file) persists for an id this system believes fresh:
        // its recovery reads nothing (the reads are skipped indeed), its first write is refused by the unique index,
        // and the next incarnation recovers what the other writer stored.
        using (var other = Start(path, stateJournal: false))
        {
            Assert.Equal(["elsewhere"], await Persist(other, "behind", "elsewhere"));
            await other.Terminate();
        }

        Assert.Empty(await Recovered(system, "behind"));
        Assert.Equal("refused", await system.ActorOf(Probe.Props("behind")).Ask<object>(new Probe.Write("here"), Patience));
        Assert.Equal(["elsewhere"], await Recovered(system, "behind"));
        await system.Terminate();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    private static async Task<IReadOnlyList<string>> Persist(ActorSystem system, string id, string value)
    {
        var probe = system.ActorOf(Probe.Props(id));
        var answer = await probe.Ask<object>(new Probe.Write(value), Patience);
        var events = Assert.IsType<List<string>>(answer);
        await probe.GracefulStop(Patience);
        return events;
    }

    private static async Task<IReadOnlyList<string>> Recovered(ActorSystem system, string id)
    {
        var probe = system.ActorOf(Probe.Props(id));
        var events = await probe.Ask<List<string>>(Probe.Read.Instance, Patience);
        await probe.GracefulStop(Patience);
        return events;
    }

    private static ActorSystem Start(string path, bool stateJournal)
    {
        StateDatabase.Prepare(path);
        var connection = System.Text.Json.JsonSerializer.Serialize($"Data Source={path};Cache=Shared;Pooling=True;Default Timeout=30");
        var journal = stateJournal ? $"class = \"{typeof(StateJournal).FullName}, {typeof(StateJournal).Assembly.GetName().Name}\"" : "";
        var snapshots = stateJournal ? $"class = \"{typeof(StateSnapshotStore).FullName}, {typeof(StateSnapshotStore).Assembly.GetName().Name}\"" : "";
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.persistence.journal.plugin = "akka.persistence.journal.sql"
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
            akka.persistence.journal.sql { {{journal}}
              connection-string = {{connection}}, provider-name = "SQLite.MS", auto-initialize = on }
            akka.persistence.snapshot-store.sql { {{snapshots}}
              connection-string = {{connection}}, provider-name = "SQLite.MS", auto-initialize = on }
            """).WithFallback(SqlPersistence.DefaultConfiguration);
        return ActorSystem.Create("journal-" + Guid.NewGuid().ToString("N")[..8], config);
    }

    /// <summary>A persistent actor of strings: answers what it recovered and wrote, or "refused" when a write fails.</summary>
    private sealed class Probe : ReceivePersistentActor
    {
        private readonly List<string> _events = [];
        private IActorRef _writer = ActorRefs.Nobody;

        public Probe(string id)
        {
            PersistenceId = id;
            Recover<string>(_events.Add);
            Command<Read>(_ => Sender.Tell(_events.ToList()));
            Command<Write>(write =>
            {
                _writer = Sender;
                Persist(write.Value, e =>
                {
                    _events.Add(e);
                    Sender.Tell(_events.ToList());
                });
            });
        }

        public override string PersistenceId { get; }

        public static Props Props(string id) => Akka.Actor.Props.Create(() => new Probe(id));

        protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
        {
            _writer.Tell("refused");
            base.OnPersistFailure(cause, @event, sequenceNr);
        }

        public sealed record Write(string Value);

        public sealed class Read
        {
            public static readonly Read Instance = new();

            private Read()
            {
            }
        }
    }
}
