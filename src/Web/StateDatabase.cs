using Microsoft.Data.Sqlite;

namespace LogAggregator.Web;

/// <summary>
/// The SQLite file Akka.Persistence.Sql keeps actor state in (tailer checkpoints, discovered files, alert decisions,
/// the notifier's outbox, silences). It runs in write-ahead-log mode: a commit then syncs one file once instead of
/// the rollback journal's several syncs, and readers never wait for the writer. Every commit is still synced
/// (synchronous stays FULL), so what was persisted survives a crash of the process or of the machine.
/// </summary>
public static class StateDatabase
{
    /// <summary>Sets WAL mode, which SQLite keeps in the file; a no-op once it is set. Runs before Akka opens the file.</summary>
    public static void Prepare(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        var mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{path}: SQLite refused write-ahead-log mode (journal_mode is {mode})");
        }
    }
}
