using LogAggregator.Model;
using LogAggregator.Storage.DuckDb;
using Npgsql;
using NpgsqlTypes;

namespace LogAggregator.Storage.Postgres;

/// <summary>
/// The shared log store for a cluster: one PostgreSQL database that every node reads and writes, so any node
/// answers for all entries. Entries arrive by binary COPY into the table of their UTC arrival day, in the same
/// transaction as the per-day counters, the day's agents and the source marks; ids come from one sequence, so they
/// are unique cluster-wide and keep the embedded store's form (<c>yyyyMMdd-seq</c>). Counts, agents and stats are
/// read from the counters table, never from this node's memory. See docs/ARCHITECTURE.md for the schema.
/// </summary>
public sealed partial class PostgresLogStore : ILogStore
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    private readonly PostgresLogStoreOptions _options;
    private readonly TimeProvider _clock;
    private readonly NpgsqlDataSource _dataSource;
    private readonly WriteHealth _health = new();
    private readonly object _gate = new();
    private readonly HashSet<DateOnly> _partitions = [];
    private readonly AgentsSeen _agents = new();
    private Task? _schema;
    private volatile bool _disposed;

    public PostgresLogStore(PostgresLogStoreOptions options, TimeProvider? clock = null)
    {
        _options = options;
        _clock = clock ?? TimeProvider.System;
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "log-aggregator";
        }

        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public async Task<IReadOnlyList<string>> AppendAsync(
        IReadOnlyList<LogEntry> entries, IReadOnlyList<SourceMark> marks, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (entries.Count == 0 && marks.Count == 0)
        {
            return [];
        }

        try
        {
            var day = Today();
            await ReadyAsync(cancellationToken).ConfigureAwait(false);
            await EnsurePartitionAsync(day, cancellationToken).ConfigureAwait(false);
            var ids = await WriteAsync(day, entries, marks, cancellationToken).ConfigureAwait(false);
            _health.Succeeded();
            return ids;
        }
        catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
        {
            _health.Failed(e);
            throw;
        }
    }

    private async Task<IReadOnlyList<string>> WriteAsync(
        DateOnly day, IReadOnlyList<LogEntry> entries, IReadOnlyList<SourceMark> marks, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var seqs = await NextSeqsAsync(connection, entries.Count, cancellationToken).ConfigureAwait(false);
        if (entries.Count > 0)
        {
            await PostgresRows.CopyAsync(connection, day, entries, seqs, cancellationToken).ConfigureAwait(false);
        }

        var newAgents = _agents.Unknown(day, entries.Select(e => e.AgentKey));
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            // Rows are locked in one order (sorted keys) by every writer, so concurrent appends never deadlock.
            AddCounts(batch, day, entries);
            AddMinutes(batch, day, entries);
            AddDayAgents(batch, day, newAgents);
            AddMarks(batch, marks);
            if (batch.BatchCommands.Count > 0)
            {
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _agents.Known(day, newAgents);
        return new PostgresIds(day, seqs);
    }

    private static async Task<long[]> NextSeqsAsync(NpgsqlConnection connection, int count, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return [];
        }

        await using var command = new NpgsqlCommand("SELECT nextval('log_entry_seq') FROM generate_series(1, @n)", connection);
        command.Parameters.Add(new NpgsqlParameter<int>("n", count));
        var seqs = new long[count];
        var i = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            seqs[i++] = reader.GetInt64(0);
        }

        Array.Sort(seqs);
        return seqs;
    }

    private static void AddCounts(NpgsqlBatch batch, DateOnly day, IReadOnlyList<LogEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }

        var groups = entries
            .GroupBy(e => (e.Agent, e.Level))
            .Select(g => (Agent: PostgresText.Encode(g.Key.Agent), Key: PostgresText.Encode(g.First().AgentKey), g.Key.Level,
                Count: (long)g.Count(), Min: g.Min(e => PostgresRows.Micros(e.Timestamp)), Max: g.Max(e => PostgresRows.Micros(e.Timestamp))))
            .OrderBy(g => g.Agent, StringComparer.Ordinal).ThenBy(g => g.Level)
            .ToList();
        var command = new NpgsqlBatchCommand("""
            INSERT INTO log_counts AS c (day, agent, agent_key, level, count, min_ts, max_ts)
            SELECT @day, * FROM unnest(@agents, @keys, @levels, @counts, @mins, @maxes)
            ON CONFLICT (day, agent, level) DO UPDATE SET
                count = c.count + excluded.count, min_ts = least(c.min_ts, excluded.min_ts), max_ts = greatest(c.max_ts, excluded.max_ts)
            """);
        command.Parameters.Add(new NpgsqlParameter<DateOnly>("day", day));
        command.Parameters.Add(new NpgsqlParameter<string[]>("agents", groups.Select(g => g.Agent).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("keys", groups.Select(g => g.Key).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<short[]>("levels", groups.Select(g => (short)g.Level).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<long[]>("counts", groups.Select(g => g.Count).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<long[]>("mins", groups.Select(g => g.Min).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<long[]>("maxes", groups.Select(g => g.Max).ToArray()));
        batch.BatchCommands.Add(command);
    }

    /// <summary>Entries per (minute, agent key, level), so histograms read minutes instead of entries.</summary>
    private static void AddMinutes(NpgsqlBatch batch, DateOnly day, IReadOnlyList<LogEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }

        var groups = entries
            .GroupBy(e => (Minute: PostgresRows.Micros(e.Timestamp) / PostgresRows.MicrosPerMinute, e.AgentKey, e.Level))
            .Select(g => (g.Key.Minute, Key: PostgresText.Encode(g.Key.AgentKey), g.Key.Level, Count: (long)g.Count()))
            .OrderBy(g => g.Minute).ThenBy(g => g.Key, StringComparer.Ordinal).ThenBy(g => g.Level)
            .ToList();
        var command = new NpgsqlBatchCommand("""
            INSERT INTO log_minutes AS m (day, minute, agent_key, level, count)
            SELECT @day, * FROM unnest(@minutes, @keys, @levels, @counts)
            ON CONFLICT (minute, agent_key, level, day) DO UPDATE SET count = m.count + excluded.count
            """);
        command.Parameters.Add(new NpgsqlParameter<DateOnly>("day", day));
        command.Parameters.Add(new NpgsqlParameter<long[]>("minutes", groups.Select(g => g.Minute).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("keys", groups.Select(g => g.Key).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<short[]>("levels", groups.Select(g => (short)g.Level).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<long[]>("counts", groups.Select(g => g.Count).ToArray()));
        batch.BatchCommands.Add(command);
    }

    private static void AddDayAgents(NpgsqlBatch batch, DateOnly day, IReadOnlyList<string> agentKeys)
    {
        if (agentKeys.Count == 0)
        {
            return;
        }

        var command = new NpgsqlBatchCommand(
            "INSERT INTO log_day_agents (day, agent_key) SELECT @day, unnest(@keys) ON CONFLICT DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter<DateOnly>("day", day));
        command.Parameters.Add(new NpgsqlParameter<string[]>("keys", agentKeys.Select(PostgresText.Encode).ToArray()));
        batch.BatchCommands.Add(command);
    }

    private static void AddMarks(NpgsqlBatch batch, IReadOnlyList<SourceMark> marks)
    {
        if (marks.Count == 0)
        {
            return;
        }

        // The last mark given for a (source, agent) is the one that counts, as if they were written in turn.
        var latest = marks
            .GroupBy(m => (m.SourceKey, m.AgentKey)).Select(g => g.Last())
            .OrderBy(m => m.SourceKey, StringComparer.Ordinal).ThenBy(m => m.AgentKey, StringComparer.Ordinal)
            .ToList();
        var command = new NpgsqlBatchCommand("""
            INSERT INTO log_source_marks AS m (source_key, agent_key, file_identity, end_offset)
            SELECT * FROM unnest(@sources, @agents, @files, @offsets)
            ON CONFLICT (source_key, agent_key) DO UPDATE SET file_identity = excluded.file_identity, end_offset = excluded.end_offset
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]>("sources", latest.Select(m => PostgresText.Encode(m.SourceKey)).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("agents", latest.Select(m => PostgresText.Encode(m.AgentKey)).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("files", latest.Select(m => PostgresText.Encode(m.FileIdentity)).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<long[]>("offsets", latest.Select(m => m.EndOffset).ToArray()));
        batch.BatchCommands.Add(command);
    }

    public async Task<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        if (_health.Current.Healthy)
        {
            return StoreHealth.Writable;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ProbeTimeout);
            await ReadyAsync(timeout.Token).ConfigureAwait(false);
            await using var command = _dataSource.CreateCommand(
                "INSERT INTO log_store_probe (id, at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET at = excluded.at");
            await command.ExecuteNonQueryAsync(timeout.Token).ConfigureAwait(false);
            _health.Succeeded();
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            _health.Failed(e);
        }

        return _health.Current;
    }

    public async Task<IReadOnlyList<string>> AdmitAgentsAsync(
        IReadOnlyCollection<string> agentKeys, int maxAgentsPerDay, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var day = Today();
        var unknown = _agents.Unknown(day, agentKeys);
        if (unknown.Count == 0)
        {
            return [];
        }

        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // One admission at a time per database: the count and the inserts below must not interleave across nodes.
        await using (var lockCommand = new NpgsqlCommand(
            $"SELECT pg_advisory_xact_lock({PostgresSchema.LockClass}, {PostgresSchema.AdmissionLock})", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var known = new HashSet<string>(StringComparer.Ordinal);
        long count;
        await using (var command = new NpgsqlCommand(
            "SELECT agent_key FROM log_day_agents WHERE day = @day AND agent_key = ANY(@keys); SELECT count(*) FROM log_day_agents WHERE day = @day",
            connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<DateOnly>("day", day));
            command.Parameters.Add(new NpgsqlParameter<string[]>("keys", unknown.Select(PostgresText.Encode).ToArray()));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                known.Add(PostgresText.Decode(reader.GetString(0)));
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            count = reader.GetInt64(0);
        }

        var admitted = new List<string>();
        var refused = new List<string>();
        foreach (var key in unknown)
        {
            if (known.Contains(key))
            {
                continue;
            }

            if (count < maxAgentsPerDay)
            {
                admitted.Add(key);
                count++;
            }
            else
            {
                refused.Add(key);
            }
        }

        if (admitted.Count > 0)
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            AddDayAgents(batch, day, admitted.Order(StringComparer.Ordinal).ToList());
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _agents.Known(day, [.. known, .. admitted]);
        var refusedSet = refused.ToHashSet(StringComparer.Ordinal);
        return agentKeys.Where(refusedSet.Contains).ToList();
    }

    public async Task<IReadOnlyList<SourceMark>> GetMarksAsync(string sourceKey, CancellationToken cancellationToken = default)
    {
        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(
            "SELECT agent_key, file_identity, end_offset FROM log_source_marks WHERE source_key = @source");
        command.Parameters.Add(new NpgsqlParameter<string>("source", PostgresText.Encode(sourceKey)));
        var marks = new List<SourceMark>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            marks.Add(new SourceMark(sourceKey, PostgresText.Decode(reader.GetString(0)), PostgresText.Decode(reader.GetString(1)), reader.GetInt64(2)));
        }

        return marks.OrderBy(m => m.AgentKey, StringComparer.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<DateOnly>> DeleteDaysBeforeAsync(DateOnly oldestKept, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        var today = Today();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var days = new List<DateOnly>();
        await using (var command = new NpgsqlCommand(
            $"SELECT pg_advisory_xact_lock({PostgresSchema.LockClass}, {PostgresSchema.PartitionLock}); "
            + "SELECT day FROM log_days WHERE day < @oldest AND day <> @today ORDER BY day", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<DateOnly>("oldest", oldestKept));
            command.Parameters.Add(new NpgsqlParameter<DateOnly>("today", today));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                days.Add(reader.GetFieldValue<DateOnly>(0));
            }
        }

        if (days.Count == 0)
        {
            return [];
        }

        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            foreach (var day in days)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand($"DROP TABLE IF EXISTS {PostgresSchema.Partition(day)}"));
            }

            foreach (var table in new[] { "log_counts", "log_minutes", "log_day_agents", "log_days" })
            {
                var delete = new NpgsqlBatchCommand($"DELETE FROM {table} WHERE day = ANY(@days)");
                delete.Parameters.Add(new NpgsqlParameter<DateOnly[]>("days", days.ToArray()));
                batch.BatchCommands.Add(delete);
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _partitions.ExceptWith(days);
        }

        return days;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    private DateOnly Today() => DateOnly.FromDateTime(_clock.GetUtcNow().UtcDateTime);

    /// <summary>The schema, created once per store; a failed attempt (the database was down) is retried by the next call.</summary>
    private Task ReadyAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_gate)
        {
            if (_schema is null || _schema.IsFaulted || _schema.IsCanceled)
            {
                _schema = PostgresSchema.CreateAsync(_dataSource, CancellationToken.None);
            }

            return _schema.WaitAsync(cancellationToken);
        }
    }

    private async Task EnsurePartitionAsync(DateOnly day, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_partitions.Contains(day))
            {
                return;
            }
        }

        await PostgresSchema.CreatePartitionAsync(_dataSource, day, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _partitions.Add(day);
        }
    }

    private NpgsqlCommand Command(string sql) => _dataSource.CreateCommand(sql);

    /// <summary>Agent keys this node knows to be in today's admitted set, so most admissions and appends skip the database.</summary>
    private sealed class AgentsSeen
    {
        private DateOnly _day;
        private HashSet<string> _keys = new(StringComparer.Ordinal);

        public List<string> Unknown(DateOnly day, IEnumerable<string> keys)
        {
            lock (this)
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                return keys.Where(k => (day != _day || !_keys.Contains(k)) && seen.Add(k)).ToList();
            }
        }

        public void Known(DateOnly day, IEnumerable<string> keys)
        {
            lock (this)
            {
                if (day != _day)
                {
                    if (day < _day)
                    {
                        return;
                    }

                    _day = day;
                    _keys = new HashSet<string>(StringComparer.Ordinal);
                }

                _keys.UnionWith(keys);
            }
        }
    }
}
