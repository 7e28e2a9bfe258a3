using System.Text;
using LogAggregator.Model;
using LogAggregator.Storage.DuckDb;
using Npgsql;
using NpgsqlTypes;

namespace LogAggregator.Storage.Postgres;

/// <summary>
/// How entries map to rows: <c>ts</c> is microseconds since 0001-01-01 UTC (.NET ticks / 10, so every time .NET
/// holds fits, floored to the microsecond as the contract says, and bucket arithmetic is integer division), levels
/// are their numbers, names and texts go through <see cref="PostgresText"/>.
/// </summary>
internal static class PostgresRows
{
    public const string Columns = "day, seq, ts, level, agent, source, message, message_exact, metadata, metadata_exact";
    public const string NewestFirst = "ORDER BY ts DESC, seq DESC";

    public const long MicrosPerMinute = 60_000_000;

    /// <summary>One past the largest stored value (9999-12-31T23:59:59.999999).</summary>
    public const long EndOfTime = 3_155_378_976_000_000_000 / 10;

    public static long Micros(DateTime value) => LogRows.Stored(value).Ticks / 10;

    public static DateTime Time(long micros) => new(micros * 10, DateTimeKind.Utc);

    /// <summary>The first stored value at or after <paramref name="value"/>, or null when none can be.</summary>
    public static long? Ceiling(DateTime value) => LogRows.StoredCeiling(value) is { } bound ? bound.Ticks / 10 : null;

    /// <summary>The levels a filter keeps, or null when it keeps every level.</summary>
    public static short[]? LevelsOf(LogFilter filter) =>
        filter.Level is null && filter.Levels is null ? null : Levels.All.Where(filter.MatchesLevel).Select(l => (short)l).ToArray();

    /// <summary>
    /// A WHERE clause (always present, so callers can append AND ...) with its parameters added; without
    /// <paramref name="time"/> only the agent and level conditions, which the counters table has too.
    /// </summary>
    public static string Where(LogFilter filter, NpgsqlCommand command, bool time = true)
    {
        var sql = new StringBuilder("WHERE TRUE");
        if (filter.AgentKey is { } agent)
        {
            sql.Append(" AND agent_key = @agent_key");
            command.Parameters.Add(new NpgsqlParameter<string>("agent_key", PostgresText.Encode(agent)));
        }

        if (LevelsOf(filter) is { } levels)
        {
            sql.Append(" AND level = ANY(@levels)");
            command.Parameters.Add(new NpgsqlParameter<short[]>("levels", levels));
        }

        if (!time)
        {
            return sql.ToString();
        }

        if (filter.From is { } from)
        {
            if (Ceiling(from) is { } bound)
            {
                sql.Append(" AND ts >= @from");
                command.Parameters.Add(new NpgsqlParameter<long>("from", bound));
            }
            else
            {
                sql.Append(" AND FALSE");
            }
        }

        if (filter.To is { } to && Ceiling(to) is { } end)
        {
            sql.Append(" AND ts < @to");
            command.Parameters.Add(new NpgsqlParameter<long>("to", end));
        }

        return sql.ToString();
    }

    public static async Task<List<StoredEntry>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<StoredEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var day = reader.GetFieldValue<DateOnly>(0);
            var entry = new LogEntry(
                Time(reader.GetInt64(2)),
                (Level)reader.GetInt16(3),
                PostgresText.Decode(reader.GetString(4)),
                PostgresText.Read(reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)),
                PostgresText.Decode(reader.GetString(5)),
                PostgresText.Read(reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9)));
            rows.Add(new StoredEntry(LogIds.Format(LogIds.Prefix(day), reader.GetInt64(1)), entry));
        }

        return rows;
    }

    /// <summary>Writes one batch of rows into a day's table by binary COPY, inside the caller's transaction.</summary>
    public static async Task CopyAsync(
        NpgsqlConnection connection, DateOnly day, IReadOnlyList<LogEntry> entries, long[] seqs, CancellationToken cancellationToken)
    {
        var copy = $"COPY {PostgresSchema.Partition(day)} (day, seq, ts, level, agent, agent_key, source, message, metadata, message_exact, metadata_exact) "
            + "FROM STDIN (FORMAT BINARY)";
        await using var writer = await connection.BeginBinaryImportAsync(copy, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(day, NpgsqlDbType.Date, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(seqs[i], NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(Micros(entry.Timestamp), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync((short)entry.Level, NpgsqlDbType.Smallint, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(PostgresText.Encode(entry.Agent), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(PostgresText.Encode(entry.AgentKey), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(PostgresText.Encode(entry.Source), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(PostgresText.Searchable(entry.Message), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(PostgresText.Searchable(entry.Metadata), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await WriteNullableAsync(writer, PostgresText.Exact(entry.Message), cancellationToken).ConfigureAwait(false);
            await WriteNullableAsync(writer, PostgresText.Exact(entry.Metadata), cancellationToken).ConfigureAwait(false);
        }

        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter writer, string? value, CancellationToken cancellationToken)
    {
        if (value is null)
        {
            await writer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await writer.WriteAsync(value, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>The ids of one append, formatted only when read (the tailers never read them).</summary>
internal sealed class PostgresIds(DateOnly day, long[] seqs) : IReadOnlyList<string>
{
    private readonly string _prefix = LogIds.Prefix(day);

    public int Count => seqs.Length;

    public string this[int index] => LogIds.Format(_prefix, seqs[index]);

    public IEnumerator<string> GetEnumerator()
    {
        for (var i = 0; i < seqs.Length; i++)
        {
            yield return this[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
