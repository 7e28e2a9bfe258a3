using Akka.Actor;
using Akka.Persistence;

namespace LogAggregator.Ingestion;

/// <summary>
/// The per-path checkpoints tailers wrote before they were keyed by file identity (issue 7): persistence id
/// <c>file-tailer-{node}|{path}</c>, events <see cref="CheckpointAdvanced"/> and snapshots <see cref="TailerCheckpoint"/>,
/// and store marks under the source key <c>{node}|{path}</c> with mark identity <c>{device:inode}#{generation}</c>.
/// Read only, so that a server upgraded over an existing data directory takes each file over where the old one left it.
/// </summary>
public static class LegacyCheckpoints
{
    /// <summary>The old event (manifest <c>checkpoint-advanced</c>). Never written any more.</summary>
    public sealed record CheckpointAdvanced(string FileIdentity, int Generation, long Offset);

    /// <summary>The old snapshot (manifest <c>tailer-checkpoint</c>). Never written any more.</summary>
    public sealed record TailerCheckpoint(string? FileIdentity, int Generation, long Offset)
    {
        public static readonly TailerCheckpoint Empty = new(null, 0, 0);

        public string? MarkIdentity => FileIdentity is null ? null : $"{FileIdentity}#{Generation}";

        public TailerCheckpoint Apply(CheckpointAdvanced e) => new(e.FileIdentity, e.Generation, e.Offset);
    }

    public static string SourceKey(string nodeName, string path) => $"{nodeName}|{path}";

    public static string PersistenceId(string nodeName, string path) => $"file-tailer-{SourceKey(nodeName, path)}";

    /// <summary>To the parent: the old checkpoint of the path (<see cref="TailerCheckpoint.Empty"/> when there was none).</summary>
    public sealed record Recovered(TailerCheckpoint Checkpoint);

    /// <summary>From the parent: the checkpoint was taken over; delete it so that it is never taken over twice.</summary>
    public sealed class Delete
    {
        public static readonly Delete Instance = new();
        private Delete() { }
    }

    /// <summary>
    /// Recovers the old journal of one path, tells its parent what it found, and on <see cref="Delete"/> deletes it.
    /// Writes nothing.
    /// </summary>
    public sealed class Reader : ReceivePersistentActor
    {
        private TailerCheckpoint _checkpoint = TailerCheckpoint.Empty;

        public Reader(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<SnapshotOffer>(offer =>
            {
                if (offer.Snapshot is TailerCheckpoint checkpoint)
                {
                    _checkpoint = checkpoint;
                }
            });
            Recover<CheckpointAdvanced>(e => _checkpoint = _checkpoint.Apply(e));
            Recover<RecoveryCompleted>(_ => Context.Parent.Tell(new Recovered(_checkpoint)));

            Command<Delete>(_ =>
            {
                if (LastSequenceNr == 0)
                {
                    Context.Stop(Self);
                    return;
                }

                DeleteSnapshots(SnapshotSelectionCriteria.Latest);
                DeleteMessages(LastSequenceNr);
            });
            Command<DeleteSnapshotsSuccess>(_ => { });
            Command<DeleteSnapshotsFailure>(_ => { });
            Command<DeleteMessagesSuccess>(_ => Context.Stop(Self));
            Command<DeleteMessagesFailure>(_ => Context.Stop(Self));
        }

        public override string PersistenceId { get; }

        public static Props Props(string nodeName, string path) =>
            Akka.Actor.Props.Create(() => new Reader(PersistenceId(nodeName, path)));
    }
}
