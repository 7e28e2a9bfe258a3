using LogAggregator.Model;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// Counts per (agent, level): a file the time bounds cannot cut is answered by its counters; one they cut is answered
/// by its blocks of arrival (<see cref="ArrivalBlocks.Count"/>), DuckDB counting only the blocks a bound cuts through
/// and the rows committed since, or the whole file when that is most of it. A week's header totals scan at most the
/// edges of the two end days.
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

            CountIn(lease, filter, counts, cancellationToken);
        }

        return counts.Select(c => new AgentLevelCount(c.Key.Agent, c.Key.Level, c.Value)).ToList();
    }

    /// <summary>Adds the file's entries of the filter, by agent as sent and level, to <paramref name="counts"/>.</summary>
    public static void CountIn(
        DayFile.Lease lease, LogFilter filter, Dictionary<(string Agent, Level Level), long> counts, CancellationToken cancellationToken)
    {
        using var command = lease.Connection.CreateCommand();
        var where = LogRows.Where(filter, command);

        // The blocks are read before DuckDB is: a row committed after them lies past their end, in the last range.
        var ranges = lease.File.Arrivals.Count(filter, counts);
        command.CommandText = ranges is null
            ? $"SELECT agent, level, count(*) FROM logs {where} GROUP BY agent, level"
            : string.Join(
                " UNION ALL ",
                ranges.Select(r => $"SELECT agent, level, count(*) FROM logs {where} AND {SeqRanges.Sql(r)} GROUP BY agent, level"));
        LogRows.Read(command, cancellationToken, reader =>
        {
            var key = (reader.GetString(0), (Level)reader.GetByte(1));
            counts[key] = counts.GetValueOrDefault(key) + reader.GetInt64(2);
        });
    }
}
