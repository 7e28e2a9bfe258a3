using DuckDB.NET.Data;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// The neighbours of one entry within its source and agent. Arrival order (day file, then seq) is the order the
/// tailer read the lines in, so for a tailed file it is the file's own order even where timestamps repeat or
/// go backwards; the search walks into older or newer day files only while a side is short.
/// </summary>
internal static class ContextQuery
{
    public static LogContext? Run(DayFile[] files, DayFile targetFile, long seq, int before, int after, CancellationToken cancellationToken)
    {
        var target = LogQuery.Get(targetFile, seq, cancellationToken);
        if (target is null)
        {
            return null;
        }

        var source = target.Entry.Source;
        var agentKey = target.Entry.AgentKey;
        var older = files.Where(f => f.Day <= targetFile.Day).OrderByDescending(f => f.Day);
        var newer = files.Where(f => f.Day >= targetFile.Day).OrderBy(f => f.Day);
        var beforeRows = Collect(older, targetFile, seq, source, agentKey, before, olderSide: true, cancellationToken);
        var afterRows = Collect(newer, targetFile, seq, source, agentKey, after, olderSide: false, cancellationToken);
        // Every list of entries in the contract is newest first: before runs from the target back, after from
        // its far end back to the target.
        afterRows.Reverse();
        return new LogContext(beforeRows.Select(r => r.Stored).ToList(), target, afterRows.Select(r => r.Stored).ToList());
    }

    /// <summary>Nearest first: walking away from the target, file by file, until <paramref name="wanted"/> rows.</summary>
    private static List<LogRow> Collect(
        IEnumerable<DayFile> awayFromTarget, DayFile targetFile, long seq, string source, string agentKey, int wanted,
        bool olderSide, CancellationToken cancellationToken)
    {
        var rows = new List<LogRow>();
        foreach (var file in awayFromTarget)
        {
            if (rows.Count >= wanted)
            {
                break;
            }

            if (file.Counters.Count(agentKey, level: null) == 0)
            {
                continue;
            }

            using var lease = file.TryLease();
            if (lease is null)
            {
                continue;
            }

            using var command = lease.Connection.CreateCommand();
            var sameSource = $"source = {LogRows.Text(command, "source", source)} AND agent_key = {LogRows.Text(command, "agent", agentKey)}";
            var bound = "";
            if (file == targetFile)
            {
                bound = olderSide ? " AND seq < $seq" : " AND seq > $seq";
                command.Parameters.Add(new DuckDBParameter("seq", seq));
            }

            var order = olderSide ? "DESC" : "ASC";
            command.CommandText = $"SELECT {LogRows.Columns} FROM logs WHERE {sameSource}{bound} "
                + $"ORDER BY seq {order} LIMIT {wanted - rows.Count}";
            LogRows.ReadInto(command, file, rows, cancellationToken);
        }

        return rows;
    }
}
