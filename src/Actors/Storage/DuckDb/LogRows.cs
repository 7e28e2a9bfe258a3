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

    public static DateTime ToUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Local => value.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
        _ => value,
    };

    /// <summary>A WHERE clause (always present, so callers can append AND ...) with its parameters added.</summary>
    public static string Where(LogFilter filter, DuckDBCommand command)
    {
        var sql = new StringBuilder("WHERE TRUE");
        if (filter.AgentKey is { } agent)
        {
            sql.Append(" AND agent_key = $agent");
            command.Parameters.Add(new DuckDBParameter("agent", agent));
        }

        if (filter.Level is { } level)
        {
            sql.Append(" AND level = $level");
            command.Parameters.Add(new DuckDBParameter("level", (byte)level));
        }

        if (filter.From is { } from)
        {
            sql.Append(" AND ts >= $from");
            command.Parameters.Add(new DuckDBParameter("from", ToUtc(from)));
        }

        if (filter.To is { } to)
        {
            sql.Append(" AND ts < $to");
            command.Parameters.Add(new DuckDBParameter("to", ToUtc(to)));
        }

        return sql.ToString();
    }

    public static void ReadInto(DuckDBCommand command, DayFile file, List<LogRow> rows, CancellationToken cancellationToken)
    {
        using var cancel = cancellationToken.Register(command.Cancel);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var seq = reader.GetInt64(0);
            var entry = new LogEntry(
                Utc(reader.GetDateTime(1)), (Level)reader.GetByte(2), reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6));
            rows.Add(new LogRow(file.Day, seq, new StoredEntry(LogIds.Format(file.IdPrefix, seq), entry)));
        }
    }

    public static long Count(DuckDBCommand command, CancellationToken cancellationToken)
    {
        using var cancel = cancellationToken.Register(command.Cancel);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
