using Npgsql;

namespace LogAggregator.Storage.Postgres;

/// <summary>
/// The tables of Akka.Persistence.Sql (journal, tags, snapshot) in the log store's database, for the actor state of a
/// cluster. The plugin could create them itself (auto-initialize), but nodes starting together would race on CREATE
/// TABLE IF NOT EXISTS, which PostgreSQL does not serialize (two at once can fail on the catalog's unique index), and
/// a journal that failed to initialize is no state to run on. Created here instead, before the actor system starts,
/// under the schema lock of <see cref="PostgresSchema"/>.
/// The columns, keys and indexes are those the plugin's own auto-initialize creates (Akka.Persistence.Sql 1.5.73,
/// default table mapping, provider PostgreSQL; PostgresStateTablesTests compares the two), so a database initialized
/// either way works with both. The names
/// do not clash with the store's tables, which all start with <c>log_</c>.
/// </summary>
public static class PostgresStateTables
{
    private const string Ddl = """
        CREATE TABLE IF NOT EXISTS journal (
            ordering bigserial NOT NULL,
            created bigint NOT NULL,
            deleted boolean NOT NULL,
            persistence_id text NOT NULL,
            sequence_number bigint NOT NULL,
            message bytea NOT NULL,
            manifest text,
            identifier integer,
            writer_uuid text,
            CONSTRAINT "PK_journal" PRIMARY KEY (ordering),
            CONSTRAINT journal_uq UNIQUE (persistence_id, sequence_number)
        );
        CREATE INDEX IF NOT EXISTS journal_created_idx ON journal (created);
        CREATE INDEX IF NOT EXISTS journal_sequence_number_idx ON journal (sequence_number);
        CREATE TABLE IF NOT EXISTS tags (
            ordering_id bigint NOT NULL,
            tag text NOT NULL,
            sequence_nr bigint NOT NULL,
            persistence_id text NOT NULL,
            CONSTRAINT "PK_tags" PRIMARY KEY (ordering_id, tag)
        );
        CREATE INDEX IF NOT EXISTS tags_persistence_id_sequence_nr_idx ON tags (persistence_id, sequence_nr);
        CREATE INDEX IF NOT EXISTS tags_tag_idx ON tags (tag);
        CREATE TABLE IF NOT EXISTS snapshot (
            persistence_id text NOT NULL,
            sequence_number bigint NOT NULL,
            created bigint NOT NULL,
            snapshot bytea,
            manifest text,
            serializer_id integer,
            CONSTRAINT "PK_snapshot" PRIMARY KEY (persistence_id, sequence_number)
        );
        CREATE INDEX IF NOT EXISTS snapshot_created_idx ON snapshot (created);
        CREATE INDEX IF NOT EXISTS snapshot_sequence_number_idx ON snapshot (sequence_number);
        """;

    /// <summary>Creates whichever of the tables is missing; several nodes may call it at once.</summary>
    public static async Task CreateAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await Execute(connection, $"SELECT pg_advisory_lock({PostgresSchema.LockClass}, {PostgresSchema.SchemaLock})", cancellationToken).ConfigureAwait(false);
        try
        {
            await Execute(connection, Ddl, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await Execute(connection, $"SELECT pg_advisory_unlock({PostgresSchema.LockClass}, {PostgresSchema.SchemaLock})", CancellationToken.None)
                .ConfigureAwait(false);
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
