using System.Globalization;
using Npgsql;

namespace LogAggregator.Storage.Postgres;

/// <summary>
/// The tables, created on first open, idempotently, under a session advisory lock so nodes starting together take
/// turns (CREATE ... IF NOT EXISTS alone races on the catalog). Entries are partitioned by arrival day, one table a
/// day, so retention drops tables instead of deleting rows. Described in docs/ARCHITECTURE.md.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>Advisory lock keys (one class id, an object id per concern), held only by this store.</summary>
    public const int LockClass = 0x4C41; // "LA"

    public const int SchemaLock = 1;
    public const int PartitionLock = 2;
    public const int AdmissionLock = 3;

    private const string Ddl = """
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE SEQUENCE IF NOT EXISTS log_entry_seq;
        CREATE TABLE IF NOT EXISTS log_entries (
            day date NOT NULL,
            seq bigint NOT NULL,
            ts bigint NOT NULL,
            level smallint NOT NULL,
            agent text NOT NULL,
            agent_key text NOT NULL,
            source text NOT NULL,
            message text NOT NULL,
            metadata text NOT NULL,
            message_exact text,
            metadata_exact text,
            PRIMARY KEY (seq, day)
        ) PARTITION BY RANGE (day);
        CREATE INDEX IF NOT EXISTS log_entries_ts_brin ON log_entries USING brin (ts);
        CREATE INDEX IF NOT EXISTS log_entries_ts ON log_entries (ts, seq);
        CREATE INDEX IF NOT EXISTS log_entries_agent_level_ts ON log_entries (agent_key, level, ts);
        CREATE INDEX IF NOT EXISTS log_entries_errors_ts ON log_entries (ts) WHERE level >= 3;
        CREATE INDEX IF NOT EXISTS log_entries_text_trgm ON log_entries USING gin (message gin_trgm_ops, metadata gin_trgm_ops);
        CREATE TABLE IF NOT EXISTS log_days (day date PRIMARY KEY);
        CREATE TABLE IF NOT EXISTS log_counts (
            day date NOT NULL,
            agent text NOT NULL,
            agent_key text NOT NULL,
            level smallint NOT NULL,
            count bigint NOT NULL,
            min_ts bigint NOT NULL,
            max_ts bigint NOT NULL,
            PRIMARY KEY (day, agent, level)
        );
        CREATE TABLE IF NOT EXISTS log_minutes (
            day date NOT NULL,
            minute bigint NOT NULL,
            agent_key text NOT NULL,
            level smallint NOT NULL,
            count bigint NOT NULL,
            PRIMARY KEY (minute, agent_key, level, day)
        );
        CREATE INDEX IF NOT EXISTS log_minutes_day_minute ON log_minutes (day, minute, agent_key, level) INCLUDE (count);
        CREATE TABLE IF NOT EXISTS log_day_agents (day date NOT NULL, agent_key text NOT NULL, PRIMARY KEY (day, agent_key));
        CREATE TABLE IF NOT EXISTS log_source_marks (
            source_key text NOT NULL,
            agent_key text NOT NULL,
            file_identity text NOT NULL,
            end_offset bigint NOT NULL,
            PRIMARY KEY (source_key, agent_key)
        );
        CREATE TABLE IF NOT EXISTS log_store_probe (id int PRIMARY KEY, at timestamptz NOT NULL);
        """;

    public static string Partition(DateOnly day) => "log_entries_" + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static async Task CreateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await Execute(connection, "SHOW server_encoding", cancellationToken, expect: "UTF8").ConfigureAwait(false);
        await Execute(connection, $"SELECT pg_advisory_lock({LockClass}, {SchemaLock})", cancellationToken).ConfigureAwait(false);
        try
        {
            await Execute(connection, Ddl, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await Execute(connection, $"SELECT pg_advisory_unlock({LockClass}, {SchemaLock})", CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Today's table, if no node made it yet; under a transaction lock so two nodes at midnight take turns.</summary>
    public static async Task CreatePartitionAsync(NpgsqlDataSource dataSource, DateOnly day, CancellationToken cancellationToken)
    {
        var from = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var to = day.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await Execute(
            connection,
            $"""
            SELECT pg_advisory_xact_lock({LockClass}, {PartitionLock});
            CREATE TABLE IF NOT EXISTS {Partition(day)} PARTITION OF log_entries FOR VALUES FROM ('{from}') TO ('{to}');
            INSERT INTO log_days (day) VALUES ('{from}') ON CONFLICT DO NOTHING;
            """,
            cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, string? expect = null)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (expect is not null && !string.Equals(result as string, expect, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"the PostgreSQL log store needs a UTF8 database (text of every Unicode plane); this one is {result}");
        }
    }
}
