using System.Text;
using DuckDB.NET.Data;
using LogAggregator.Model;

namespace LogAggregator.Storage.DuckDb;

/// <summary>An entry read back with what orders it across files: newest ts, then the later id.</summary>
internal readonly record struct LogRow(DateOnly Day, long Seq, StoredEntry Stored)
{
    public static readonly IComparer<LogRow> NewestFirst = Comparer<LogRow>.Create((a, b) =>
    {
        var byTime = b.Stored.Entry.Timestamp.CompareTo(a.Stored.Entry.Timestamp);
        if (byTime != 0)
        {
            return byTime;
        }

        var byDay = b.Day.CompareTo(a.Day);
        return byDay != 0 ? byDay : b.Seq.CompareTo(a.Seq);
    });
}

/// <summary>The SQL shared by queries and searches. User values only ever travel as parameters.</summary>
internal static class LogRows
{
    public const string Columns = "seq, ts, level, agent, message, source, metadata";
    public const string NewestFirst = "ORDER BY ts DESC, seq DESC";

    /// <summary>DuckDB hands TIMESTAMP back without a kind; every stored time is UTC.</summary>
    public static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    /// <summary>UTC; a local time is shifted by its offset and clamped to the range .NET can hold, so it never throws.</summary>
    public static DateTime ToUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Local => new DateTime(
            Math.Clamp(value.Ticks - TimeZoneInfo.Local.GetUtcOffset(value).Ticks, DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks),
            DateTimeKind.Utc),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
        _ => value,
    };

    /// <summary>
    /// What DuckDB keeps of a timestamp: TIMESTAMP holds microseconds, so the ticks below one are dropped (floored,
    /// as the driver does). The counters use the same value, so they agree with the rows to the tick.
    /// </summary>
    public static DateTime Stored(DateTime value)
    {
        var ticks = ToUtc(value).Ticks;
        return new DateTime(ticks - ticks % TicksPerMicrosecond, DateTimeKind.Utc);
    }

    /// <summary>
    /// The first storable time at or after <paramref name="value"/>, or null when none is (past 9999-12-31T23:59:59.999999).
    /// Stored times are whole microseconds, so <c>ts &gt;= value</c> and <c>ts &lt; value</c> are exact with it in
    /// place of <paramref name="value"/>, which the driver would floor.
    /// </summary>
    public static DateTime? StoredCeiling(DateTime value)
    {
        var ticks = ToUtc(value).Ticks;
        var rest = ticks % TicksPerMicrosecond;
        if (rest == 0)
        {
            return new DateTime(ticks, DateTimeKind.Utc);
        }

        return ticks - rest + TicksPerMicrosecond <= DateTime.MaxValue.Ticks
            ? new DateTime(ticks - rest + TicksPerMicrosecond, DateTimeKind.Utc)
            : null;
    }

    /// <summary><c>ts &gt;= from</c>, exactly, with its parameter added.</summary>
    public static string AtOrAfter(DuckDBCommand command, string name, DateTime from)
    {
        if (StoredCeiling(from) is not { } bound)
        {
            return "FALSE";
        }

        command.Parameters.Add(new DuckDBParameter(name, bound));
        return $"ts >= ${name}";
    }

    /// <summary><c>ts &lt; to</c>, exactly, with its parameter added.</summary>
    public static string Before(DuckDBCommand command, string name, DateTime to)
    {
        if (StoredCeiling(to) is not { } bound)
        {
            return "TRUE";
        }

        command.Parameters.Add(new DuckDBParameter(name, bound));
        return $"ts < ${name}";
    }

    /// <summary>
    /// A text parameter, as the SQL expression to use for it. DuckDB.NET hands strings to DuckDB NUL-terminated, so
    /// a value holding U+0000 would arrive cut; such a value travels as its UTF-8 bytes and is decoded back to
    /// VARCHAR in SQL. Every other value stays a plain VARCHAR parameter.
    /// </summary>
    public static string Text(DuckDBCommand command, string name, string value)
    {
        if (!value.Contains('\0'))
        {
            command.Parameters.Add(new DuckDBParameter(name, value));
            return "$" + name;
        }

        command.Parameters.Add(new DuckDBParameter(name, Encoding.UTF8.GetBytes(value)));
        return $"decode(${name})";
    }

    /// <summary>Appends a VARCHAR value whole: see <see cref="Text"/> for why one holding U+0000 goes as bytes.</summary>
    public static IDuckDBAppenderRow AppendText(this IDuckDBAppenderRow row, string value) =>
        value.Contains('\0') ? row.AppendValue(Encoding.UTF8.GetBytes(value)) : row.AppendValue(value);

    private const long TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000;

    /// <summary>A WHERE clause (always present, so callers can append AND ...) with its parameters added.</summary>
    public static string Where(LogFilter filter, DuckDBCommand command)
    {
        var sql = new StringBuilder("WHERE TRUE");
        if (filter.AgentKey is { } agent)
        {
            sql.Append(" AND agent_key = ").Append(Text(command, "agent", agent));
        }

        if (filter.Level is { } level)
        {
            sql.Append(" AND level = $level");
            command.Parameters.Add(new DuckDBParameter("level", (byte)level));
        }

        if (filter.Levels is { } levels)
        {
            // Enum values, never user text: written into the SQL as numbers.
            sql.Append(levels.Count == 0 ? " AND FALSE" : $" AND level IN ({string.Join(", ", levels.Distinct().Select(l => (byte)l))})");
        }

        if (filter.From is { } from)
        {
            sql.Append(" AND ").Append(AtOrAfter(command, "from", from));
        }

        if (filter.To is { } to)
        {
            sql.Append(" AND ").Append(Before(command, "to", to));
        }

        return sql.ToString();
    }

    public static void ReadInto(DuckDBCommand command, DayFile file, List<LogRow> rows, CancellationToken cancellationToken) =>
        Read(command, cancellationToken, reader =>
        {
            var seq = reader.GetInt64(0);
            var entry = new LogEntry(
                Utc(reader.GetDateTime(1)), (Level)reader.GetByte(2), reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6));
            rows.Add(new LogRow(file.Day, seq, new StoredEntry(LogIds.Format(file.IdPrefix, seq), entry)));
        });

    public static long Count(DuckDBCommand command, CancellationToken cancellationToken)
    {
        long count = 0;
        Read(command, cancellationToken, reader => count = reader.GetInt64(0));
        return count;
    }

    /// <summary>
    /// Runs a scan, handing each row over. Every scan of the store goes through here, so cancellation always reaches
    /// DuckDB: the token interrupts the running query (<see cref="DuckDBCommand.Cancel"/>), and a scan cancelled
    /// before, during or just after it ran ends in <see cref="OperationCanceledException"/> rather than DuckDB's
    /// interrupt error or a partial answer.
    /// </summary>
    public static void Read(DuckDBCommand command, CancellationToken cancellationToken, Action<DuckDBDataReader> row)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            using var cancel = cancellationToken.Register(command.Cancel);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                row(reader);
            }
        }
        catch (DuckDBException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }
}
