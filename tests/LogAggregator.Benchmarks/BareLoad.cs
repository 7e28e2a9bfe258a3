using System.Diagnostics;
using DuckDB.NET.Data;
using LogAggregator.Model;

namespace LogAggregator.Benchmarks;

/// <summary>
/// The limit: the parsed rows appended by one DuckDB Appender in one transaction into a fresh file, with the
/// store's schema and DuckDB settings (threads = 2, memory_limit = 1GB, as in hocon/logaggregator.conf; storage
/// version and zstd messages as in DayFile).
/// No actors, no HTTP, no parsing: what is left is what DuckDB itself costs.
/// </summary>
public static class BareLoad
{
    // Kept in step with DayFile.Schema by hand: the store's schema is internal to it.
    private const string Schema = """
        CREATE TABLE logs (
            seq BIGINT NOT NULL, ts TIMESTAMP NOT NULL, level UTINYINT NOT NULL, agent VARCHAR NOT NULL,
            agent_key VARCHAR NOT NULL, message VARCHAR NOT NULL USING COMPRESSION zstd, source VARCHAR NOT NULL,
            metadata VARCHAR NOT NULL);
        """;

    public static TimeSpan Run(IReadOnlyList<LogEntry> rows, string directory)
    {
        Directory.CreateDirectory(directory);
        using var connection = new DuckDBConnection($"DataSource={Path.Combine(directory, "bare.duckdb")};memory_limit=1GB;threads=2;storage_compatibility_version=v1.2.0");
        connection.Open();
        Execute(connection, Schema);

        var clock = Stopwatch.StartNew();
        Execute(connection, "BEGIN TRANSACTION");
        using (var appender = connection.CreateAppender("logs"))
        {
            long seq = 1;
            foreach (var e in rows)
            {
                appender.CreateRow()
                    .AppendValue(seq++)
                    .AppendValue(e.Timestamp)
                    .AppendValue((byte)e.Level)
                    .AppendValue(e.Agent)
                    .AppendValue(e.AgentKey)
                    .AppendValue(e.Message)
                    .AppendValue(e.Source)
                    .AppendValue(e.Metadata)
                    .EndRow();
            }
        }

        Execute(connection, "COMMIT");
        return clock.Elapsed;
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
