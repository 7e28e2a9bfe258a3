using LogAggregator.Model;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// Counts per (agent, level): a file the time bounds cannot cut is answered by its counters; only the files at the
/// edges of the range are grouped by DuckDB, so a week's header totals scan at most the two end days.
/// </summary>
internal static class CountQuery
{
    public static IReadOnlyList<AgentLevelCount> Run(DayFile[] files, LogFilter filter, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<(string Agent, Level Level), long>();
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.Counters.Count(filter) == 0)
            {
                continue;
            }

            if (file.Counters.Covers(filter.From, filter.To))
            {
                file.Counters.AddTo(counts, filter);
                continue;
            }

            using var lease = file.TryLease();
            if (lease is null)
            {
                continue;
            }

            using var command = lease.Connection.CreateCommand();
            var where = LogRows.Where(filter, command);
            command.CommandText = $"SELECT agent, level, count(*) FROM logs {where} GROUP BY agent, level";
            LogRows.Read(command, cancellationToken, reader =>
            {
                var key = (reader.GetString(0), (Level)reader.GetByte(1));
                counts[key] = counts.GetValueOrDefault(key) + reader.GetInt64(2);
            });
        }

        return counts.Select(c => new AgentLevelCount(c.Key.Agent, c.Key.Level, c.Value)).ToList();
    }
}
