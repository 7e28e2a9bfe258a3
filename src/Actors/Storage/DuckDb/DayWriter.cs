using System.Threading.Channels;
using DuckDB.NET.Data;
using LogAggregator.Model;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// The only writer of one day file. Callers enqueue; a dedicated thread takes everything pending, appends it
/// in one transaction with the source marks, commits, and only then answers every caller (group commit).
/// A failed commit is rolled back whole and fails just that batch's callers; the thread carries on.
/// Appends are taken in arrival order, except that a small one (a quiet agent's few lines, a health probe) goes
/// into the next commit ahead of bulk appends of other agents queued before it: a line POSTed or tailed during a
/// bulk load is then searchable after one commit, not after the whole backlog. Appends of one agent (entries or
/// source marks) never pass each other, so its lines keep their order and a mark never precedes its lines.
/// A writer left quiet after commits that grew the WAL to <see cref="DuckDbLogStoreOptions.IdleCheckpointWal"/>
/// checkpoints the file (<see cref="DuckDbLogStoreOptions.IdleCheckpointAfter"/>).
/// </summary>
internal sealed class DayWriter
{
    /// <summary>
    /// Bounds one transaction's memory when callers outrun the disk, and keeps acknowledgements flowing: tailers
    /// parse their next batches while the writer commits these, rather than waiting for one huge commit.
    /// </summary>
    private const int MaxRowsPerCommit = 50_000;

    /// <summary>Appends of at most this many rows may go ahead of larger ones of other agents (see the class summary).</summary>
    internal const int SmallAppendRows = 256;

    /// <summary>What a health check's probe writes; see <see cref="WriteProbe"/>.</summary>
    private const int ProbeBytes = 1 << 20;

    /// <summary>How DuckDB words a FATAL error raised after the commit itself reached the WAL.</summary>
    private const string DurableCommit = "COMMIT succeeded and is durable";

    private readonly Channel<PendingAppend> _queue =
        Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DayFile _file;
    private readonly Func<Action?> _beforeCommit;
    private readonly WriteHealth _health;

    /// <summary>Appends read from the queue and not committed yet, in arrival order; only the writer thread touches it.</summary>
    private readonly List<PendingAppend> _waiting = [];

    /// <summary>How often a quiet writer tries its checkpoint before leaving it to the next commit (a query may hold the file).</summary>
    private const int CheckpointTries = 3;

    /// <summary>Set by a commit that left the WAL at the idle checkpoint's size; see <see cref="DuckDbLogStoreOptions.IdleCheckpointAfter"/>.</summary>
    private bool _checkpointDue;
    private int _checkpointTries;

    public DayWriter(DayFile file, Func<Action?> beforeCommit, WriteHealth health)
    {
        _file = file;
        _beforeCommit = beforeCommit;
        _health = health;
        var thread = new Thread(Run) { IsBackground = true, Name = "duckdb-writer-" + file.Name };
        thread.Start();
    }

    /// <summary>Completes once the queue is drained and the thread has exited.</summary>
    public Task Stopped => _stopped.Task;

    /// <summary>False once the writer is stopping: the caller picks the current day's writer again.</summary>
    public bool TryEnqueue(PendingAppend append) => _queue.Writer.TryWrite(append);

    /// <summary>Accepts nothing more; what is queued is still committed.</summary>
    public void Stop() => _queue.Writer.TryComplete();

    private void Run()
    {
        var batch = new List<PendingAppend>();
        try
        {
            while (_waiting.Count > 0 || WaitForAppends())
            {
                Take(batch);
                if (batch.Count > 0)
                {
                    Commit(batch);
                }

                batch.Clear();
            }

            _stopped.TrySetResult();
        }
        catch (Exception e)
        {
            _stopped.TrySetException(e);
        }
    }

    /// <summary>Blocks until there is an append to take (false: stopped and drained), checkpointing the file in a quiet spell when one is due.</summary>
    private bool WaitForAppends()
    {
        while (_checkpointDue)
        {
            using var quiet = new CancellationTokenSource(_file.Options.IdleCheckpointAfter);
            try
            {
                return _queue.Reader.WaitToReadAsync(quiet.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                CheckpointWhileQuiet();
            }
        }

        return _queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult();
    }

    private void CheckpointWhileQuiet()
    {
        if (_file.NeedsReopen || ++_checkpointTries > CheckpointTries)
        {
            _checkpointDue = false;
            return;
        }

        try
        {
            Execute(_file.WriterConnection, "CHECKPOINT");
            _checkpointDue = false;
        }
        catch (DuckDBException e)
        {
            // A query's transaction was running (tried again after the next quiet spell), or the disk is full: nothing
            // committed is lost (it is in the WAL), and an instance DuckDB invalidated is reopened by the next commit.
            _file.NeedsReopen |= e.Message.Contains("FATAL", StringComparison.Ordinal) || e.Message.Contains("invalidated", StringComparison.Ordinal);
        }
    }

    private void Take(List<PendingAppend> batch)
    {
        while (_queue.Reader.TryRead(out var append))
        {
            _waiting.Add(append);
        }

        _waiting.RemoveAll(append =>
        {
            if (!append.CancellationToken.IsCancellationRequested)
            {
                return false;
            }

            append.Completion.TrySetCanceled(append.CancellationToken);
            return true;
        });

        // Small appends first, each ahead of the larger ones before it unless one of those is of its agent too.
        var rows = 0;
        var taken = new bool[_waiting.Count];
        HashSet<string>? passed = null;
        for (var i = 0; i < _waiting.Count && rows < MaxRowsPerCommit; i++)
        {
            var append = _waiting[i];
            if (append.Entries.Count <= SmallAppendRows && (passed is null || !passed.Overlaps(append.AgentKeys)))
            {
                taken[i] = true;
                batch.Add(append);
                rows += append.Entries.Count;
            }
            else
            {
                passed ??= new HashSet<string>(StringComparer.Ordinal);
                passed.UnionWith(append.AgentKeys);
            }
        }

        // Then the rest in arrival order, up to a commit's rows (the first always, however large).
        for (var i = 0; i < _waiting.Count; i++)
        {
            if (taken[i])
            {
                continue;
            }

            var n = _waiting[i].Entries.Count;
            if (rows > 0 && rows + n > MaxRowsPerCommit)
            {
                break;
            }

            taken[i] = true;
            batch.Add(_waiting[i]);
            rows += n;
        }

        var kept = 0;
        for (var i = 0; i < _waiting.Count; i++)
        {
            if (!taken[i])
            {
                _waiting[kept++] = _waiting[i];
            }
        }

        _waiting.RemoveRange(kept, _waiting.Count - kept);
    }

    private void Commit(List<PendingAppend> batch)
    {
        if (_file.NeedsReopen && !TryReopen(batch))
        {
            return;
        }

        var connection = _file.WriterConnection;
        var firstSeq = _file.NextSeq;
        var ids = new IReadOnlyList<string>[batch.Count];
        var durableButInvalidated = false;
        try
        {
            // Plain statements rather than DuckDBTransaction: after a failed COMMIT DuckDB has already rolled
            // back, and the wrapper would then refuse every later BeginTransaction on this connection.
            Execute(connection, "BEGIN TRANSACTION");
            AppendRows(connection, batch, ids);
            UpsertMarks(connection, batch);
            if (batch.Exists(a => a.IsProbe))
            {
                WriteProbe(connection);
            }

            _beforeCommit()?.Invoke();
            Execute(connection, "COMMIT");
        }
        catch (DuckDBException e) when (e.Message.Contains(DurableCommit, StringComparison.Ordinal))
        {
            // The commit is in the WAL, but DuckDB's automatic checkpoint after it failed (a full disk) and it then
            // invalidated the instance. The batch is stored: acknowledge it, so nobody retries it into a duplicate.
            durableButInvalidated = true;
            _file.NeedsReopen = true;
            _health.Failed(e);
        }
        catch (Exception e)
        {
            TryRollback(connection);
            _file.NextSeq = firstSeq;
            _health.Failed(e);
            _file.NeedsReopen |= e.Message.Contains("FATAL", StringComparison.Ordinal) || e.Message.Contains("invalidated", StringComparison.Ordinal);
            foreach (var append in batch)
            {
                append.Completion.TrySetException(e);
            }

            return;
        }

        if (!durableButInvalidated)
        {
            _health.Succeeded();
            _checkpointDue = _file.WalBytes >= _file.Options.IdleCheckpointWal;
            _checkpointTries = 0;
        }

        var first = firstSeq;
        foreach (var append in batch)
        {
            _file.Counters.Add(append.Tally);
            _file.Arrivals.Add(first, append.Tally);
            first += append.Entries.Count;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Completion.TrySetResult(ids[i]);
        }
    }

    /// <summary>Fails the batch, and leaves the reopen to the next commit, while the file cannot be opened again.</summary>
    private bool TryReopen(List<PendingAppend> batch)
    {
        try
        {
            _file.Reopen();
            _file.NeedsReopen = false;
            return true;
        }
        catch (Exception e) when (e is DuckDBException or IOException)
        {
            _health.Failed(e);
            foreach (var append in batch)
            {
                append.Completion.TrySetException(e);
            }

            return false;
        }
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// A health check's write while the store is degraded: one row the size of a large batch, replacing the last
    /// probe's. A tiny write would pass on a disk with a few kilobytes left while every real batch still fails.
    /// </summary>
    private static void WriteProbe(DuckDBConnection connection)
    {
        Execute(connection, $"""
            CREATE TABLE IF NOT EXISTS write_probe (written_at TIMESTAMP, payload VARCHAR);
            DELETE FROM write_probe;
            INSERT INTO write_probe VALUES (now(), repeat('0', {ProbeBytes}));
            """);
    }

    private static void TryRollback(DuckDBConnection connection)
    {
        try
        {
            Execute(connection, "ROLLBACK");
        }
        catch (DuckDBException)
        {
            // No transaction left to roll back: the failed COMMIT already did it.
        }
    }

    private void AppendRows(DuckDBConnection connection, List<PendingAppend> batch, IReadOnlyList<string>[] ids)
    {
        var seq = _file.NextSeq;
        var prefix = _file.IdPrefix;
        using (var appender = connection.CreateAppender("logs"))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var entries = batch[i].Entries;
                ids[i] = new LogIdRange(prefix, seq, entries.Count);
                for (var j = 0; j < entries.Count; j++)
                {
                    var e = entries[j];
                    appender.CreateRow()
                        .AppendValue(seq)
                        .AppendValue(LogRows.Stored(e.Timestamp))
                        .AppendValue((byte)e.Level)
                        .AppendText(e.Agent)
                        .AppendText(e.AgentKey)
                        .AppendText(e.Message)
                        .AppendText(e.Source)
                        .AppendText(e.Metadata)
                        .EndRow();
                    seq++;
                }
            }
        }

        _file.NextSeq = seq;
    }

    private static void UpsertMarks(DuckDBConnection connection, List<PendingAppend> batch)
    {
        // One row per key per transaction: the later mark in the batch is the one that holds.
        var latest = new Dictionary<(string, string), SourceMark>();
        foreach (var append in batch)
        {
            foreach (var mark in append.Marks)
            {
                latest[(mark.SourceKey, mark.AgentKey)] = mark;
            }
        }

        if (latest.Count == 0)
        {
            return;
        }

        // One statement for all of them: a statement per mark cost ~1 ms each, and a tailer of many agents
        // brings a mark per agent to every commit.
        using var upsert = connection.CreateCommand();
        var sql = new System.Text.StringBuilder("INSERT INTO source_marks VALUES ");
        var i = 0;
        foreach (var mark in latest.Values)
        {
            sql.Append(i == 0 ? "" : ", ").Append($"($s{i}, $a{i}, $f{i}, $o{i})");
            upsert.Parameters.Add(new DuckDBParameter($"s{i}", mark.SourceKey));
            upsert.Parameters.Add(new DuckDBParameter($"a{i}", mark.AgentKey));
            upsert.Parameters.Add(new DuckDBParameter($"f{i}", mark.FileIdentity));
            upsert.Parameters.Add(new DuckDBParameter($"o{i}", mark.EndOffset));
            i++;
        }

        sql.Append(" ON CONFLICT (source_key, agent_key) DO UPDATE SET file_identity = excluded.file_identity, end_offset = excluded.end_offset");
        upsert.CommandText = sql.ToString();
        upsert.ExecuteNonQuery();
    }
}

internal sealed record PendingAppend(
    IReadOnlyList<LogEntry> Entries, IReadOnlyList<SourceMark> Marks, CancellationToken CancellationToken)
{
    public TaskCompletionSource<IReadOnlyList<string>> Completion { get; } =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A health check's write: no entries, a row in a table of its own (see DayWriter.WriteProbe).</summary>
    public bool IsProbe { get; init; }

    /// <summary>Counted when the append is made, on the caller's thread.</summary>
    public DayCounters.Tally Tally { get; } = new(Entries);

    /// <summary>The agents (upper-cased) whose entries or source marks the append holds: what it may not pass in the queue.</summary>
    public IReadOnlyCollection<string> AgentKeys => _agentKeys ??=
        Tally.Counts.Keys.Select(k => LogAggregator.Model.AgentKeys.Of(k.Agent)).Concat(Marks.Select(m => m.AgentKey)).ToHashSet(StringComparer.Ordinal);

    private HashSet<string>? _agentKeys;
}
