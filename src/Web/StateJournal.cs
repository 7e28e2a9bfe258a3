using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Sql.Journal;
using Akka.Persistence.Sql.Snapshot;
using Microsoft.Data.Sqlite;

namespace LogAggregator.Web;

/// <summary>
/// The persistence ids the state file holds anything for, read once when the actor system starts, plus every id
/// written through <see cref="StateJournal"/> or <see cref="StateSnapshotStore"/> since. An id in neither has nothing
/// to recover, so its recovery needs no query: an error storm over a thousand new alert keys starts a thousand
/// threshold entities, and each one's snapshot read and highest-sequence read were most of what alerting cost the
/// state file (two SQLite queries through linq2db per key).
/// <para>
/// Only sound while this process is the only writer of the file: in a cluster of one on the embedded state file (what
/// <see cref="AkkaConfiguration"/> uses it for). On a journal shared by several nodes the start-up list goes stale the
/// moment another node persists for an id (a shard that moves here brings entities whose events this node never
/// saw), so there every recovery reads. Should the list ever be wrong anyway, the journal's unique index on
/// (persistence id, sequence number) refuses the entity's first write, the entity stops, and its next incarnation reads
/// (the failed write marked the id as written).
/// </para>
/// </summary>
public sealed class FreshPersistenceIds : IExtension
{
    private readonly object _gate = new();
    private readonly HashSet<string>? _known;

    public FreshPersistenceIds(ActorSystem system)
    {
        var journal = system.Settings.Config.GetConfig("akka.persistence.journal.sql");
        var snapshots = system.Settings.Config.GetConfig("akka.persistence.snapshot-store.sql");
        _known = Load(
            system,
            journal.GetString("connection-string"),
            [journal.GetString("default.journal.table-name", "journal"), snapshots.GetString("default.snapshot.table-name", "snapshot")]);
    }

    public static FreshPersistenceIds Get(ActorSystem system) => system.WithExtension<FreshPersistenceIds, FreshPersistenceIdsProvider>();

    /// <summary>Whether <paramref name="persistenceId"/> certainly has nothing stored; false when the start-up read failed.</summary>
    public bool IsFresh(string persistenceId)
    {
        lock (_gate)
        {
            return _known is not null && !_known.Contains(persistenceId);
        }
    }

    /// <summary>Called before anything is written for <paramref name="persistenceId"/>, so a later incarnation reads it.</summary>
    public void Written(string persistenceId)
    {
        lock (_gate)
        {
            _known?.Add(persistenceId);
        }
    }

    private static HashSet<string>? Load(ActorSystem system, string connectionString, string[] tables)
    {
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var table in tables)
            {
                using var exists = connection.CreateCommand();
                exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $name";
                exists.Parameters.AddWithValue("$name", table);
                if (Convert.ToInt64(exists.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
                {
                    continue;
                }

                using var read = connection.CreateCommand();
                read.CommandText = $"SELECT DISTINCT persistence_id FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
                using var reader = read.ExecuteReader();
                while (reader.Read())
                {
                    ids.Add(reader.GetString(0));
                }
            }

            return ids;
        }
        catch (SqliteException e)
        {
            system.Log.Warning("Reading the persistence ids of the state file failed, so every recovery reads it: {Error}", e.Message);
            return null;
        }
    }
}

public sealed class FreshPersistenceIdsProvider : ExtensionIdProvider<FreshPersistenceIds>
{
    public override FreshPersistenceIds CreateExtension(ExtendedActorSystem system) => new(system);
}

/// <summary>The SQL journal, answering the highest sequence number of a fresh id (see <see cref="FreshPersistenceIds"/>) without a query.</summary>
public sealed class StateJournal(Config journalConfig) : SqlWriteJournal(journalConfig)
{
    private readonly FreshPersistenceIds _fresh = FreshPersistenceIds.Get(Context.System);

    public override Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken) =>
        _fresh.IsFresh(persistenceId) ? Task.FromResult(0L) : base.ReadHighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken);

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages.ToList();
        foreach (var write in writes)
        {
            _fresh.Written(write.PersistenceId);
        }

        return base.WriteMessagesAsync(writes, cancellationToken);
    }
}

/// <summary>The SQL snapshot store, answering "no snapshot" for a fresh id (see <see cref="FreshPersistenceIds"/>) without a query.</summary>
public sealed class StateSnapshotStore(Config snapshotConfig) : SqlSnapshotStore(snapshotConfig)
{
    private readonly FreshPersistenceIds _fresh = FreshPersistenceIds.Get(Context.System);

    protected override Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken) =>
        _fresh.IsFresh(persistenceId) ? Task.FromResult<SelectedSnapshot?>(null) : base.LoadAsync(persistenceId, criteria, cancellationToken);

    protected override Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        _fresh.Written(metadata.PersistenceId);
        return base.SaveAsync(metadata, snapshot, cancellationToken);
    }
}
