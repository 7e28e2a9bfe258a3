using System.Globalization;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// Runs of rows by <c>seq</c>, [First, End), as the blocks of arrival hand them to DuckDB: adjacent blocks merged into
/// one run, and each run a condition DuckDB's zone maps on <c>seq</c> prune by (numbers only in the SQL).
/// </summary>
internal static class SeqRanges
{
    /// <summary>
    /// Appends [first, end) to <paramref name="runs"/> (runs ascending, disjoint), merged into the last run when that
    /// ends where this starts.
    /// </summary>
    public static void Add(List<(long First, long End)> runs, long first, long end)
    {
        if (runs.Count > 0 && first <= runs[^1].End)
        {
            runs[^1] = (runs[^1].First, end);
        }
        else
        {
            runs.Add((first, end));
        }
    }

    /// <summary>The run as a condition; an <c>End</c> of <see cref="long.MaxValue"/> leaves it open above.</summary>
    public static string Sql((long First, long End) run) =>
        string.Create(CultureInfo.InvariantCulture, $"seq >= {run.First}")
        + (run.End == long.MaxValue ? "" : string.Create(CultureInfo.InvariantCulture, $" AND seq < {run.End}"));
}
