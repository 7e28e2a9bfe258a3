using System.Text;
using Akka.Actor;
using Akka.Persistence;
using LogAggregator.Ingestion;
using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Ingestion;

/// <summary>A data directory left by the version that kept checkpoints per path, taken over by this one.</summary>
public sealed partial class FileRotationSpecs
{
    [Fact]
    public async Task A_server_upgraded_over_per_path_checkpoints_stores_no_line_twice_and_loses_none()
    {
        var path = LogPath("a.log");
        var lines = Lines("old", 0, 1000).ToList();
        await File.WriteAllLinesAsync(path, lines);
        var identity = FileIdentity.OfPath(path)!.Value.Identity;
        long EndOf(int count) => lines.Take(count).Sum(l => Encoding.UTF8.GetByteCount(l) + 1);

        // What the old version left after a crash between a commit and its checkpoint: 700 lines stored with their
        // mark (source key node|path, mark identity dev:ino#generation), the journal's checkpoint at line 600,
        // under the old persistence id, with a snapshot and events in the old manifests.
        var stored = lines.Take(700).Select(l => new LogEntry(DateTime.UtcNow, Level.Info, "A", l["INFO - ".Length..], path, "{}")).ToList();
        await Store.AppendAsync(stored, [new SourceMark($"node-a|{path}", "A", $"{identity}#0", EndOf(700))]);
        var (first, last) = (EndOf(100), EndOf(600));
        var old = Sys.ActorOf(Props.Create(() => new OldTailerJournal($"file-tailer-node-a|{path}", identity, first, last)));
        await old.Ask<Written>(Write.Instance, TimeSpan.FromSeconds(10));
        StopAndWait(old);

        StartDiscovery();
        await File.AppendAllLinesAsync(path, [.. Lines("new", 0, 10), "INFO - end marker"]);

        await StoredExactlyAsync([.. Messages("old", 0, 1000), .. Messages("new", 0, 10)], "end marker");
    }

    private sealed class Write
    {
        public static readonly Write Instance = new();
    }

    private sealed class Written
    {
        public static readonly Written Instance = new();
    }

    /// <summary>Writes the journal the previous FileTailer wrote: events, a snapshot, more events.</summary>
    private sealed class OldTailerJournal : ReceivePersistentActor
    {
        public OldTailerJournal(string persistenceId, string identity, long first, long last)
        {
            PersistenceId = persistenceId;
            IActorRef? asker = null;
            Command<Write>(_ =>
            {
                asker = Sender;
                Persist(new LegacyCheckpoints.CheckpointAdvanced(identity, 0, first / 2), _ => { });
                Persist(new LegacyCheckpoints.CheckpointAdvanced(identity, 0, first), _ => SaveSnapshot(new LegacyCheckpoints.TailerCheckpoint(identity, 0, first)));
            });
            Command<SaveSnapshotSuccess>(_ => Persist(new LegacyCheckpoints.CheckpointAdvanced(identity, 0, last), _ => asker!.Tell(Written.Instance)));
        }

        public override string PersistenceId { get; }
    }
}
