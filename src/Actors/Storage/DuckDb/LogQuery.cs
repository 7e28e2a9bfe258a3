using DuckDB.NET.Data;
using LogAggregator.Model;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// Reads across day files. Each file answers its own top rows and count on its own connection; the pages are
/// merged here. Files are few (one a day) and each file's top-N is small, so merging in memory is cheaper
/// than ATTACHing every file into one query.
/// </summary>
internal static class LogQuery
{
    public static LogPage Run(DayFile[] files, LogFilter filter, Paging paging, CancellationToken cancellationToken)
    {
        var wanted = Wanted(paging);
        var rows = new List<LogRow>();
        long total = 0;

        // Newest files first: once the page is full, a file whose newest entry is older than the page's last
        // entry cannot add to it, and only its count is needed (from the counters, mostly).
        var newestFirst = files.OrderByDescending(f => f.Counters.Range?.Max ?? DateTime.MinValue).ToArray();
        foreach (var file in newestFirst)
        {
            using var lease = file.TryLease();
            if (lease is null)
            {
                continue;
            }

            total += CountIn(lease, filter, cancellationToken);
            if (wanted == 0 || rows.Count >= wanted && file.Counters.Range?.Max < rows[wanted - 1].Stored.Entry.Timestamp)
            {
                continue;
            }

            using var command = lease.Connection.CreateCommand();
            var where = LogRows.Where(filter, command);
            // Alone, a file pages itself; otherwise each file gives its top rows and they are merged here.
            command.CommandText = newestFirst.Length == 1
                ? $"SELECT {LogRows.Columns} FROM logs {where} {LogRows.NewestFirst} LIMIT {paging.Limit} OFFSET {paging.Offset}"
                : $"SELECT {LogRows.Columns} FROM logs {where} {LogRows.NewestFirst} LIMIT {wanted}";
            LogRows.ReadInto(command, file, rows, cancellationToken);
            rows.Sort(LogRow.NewestFirst);
            if (rows.Count > wanted)
            {
                rows.RemoveRange(wanted, rows.Count - wanted);
            }
        }

        return new LogPage(newestFirst.Length == 1 ? rows.Select(r => r.Stored).ToList() : Page(rows, paging), total);
    }

    /// <summary>
    /// Newest day file first, stopping once the page is full: a search over a week touches only the days it
    /// needs. Within a page, a later day's entries come before an earlier day's.
    /// </summary>
    public static IReadOnlyList<StoredEntry> Search(
        IEnumerable<DayFile> newestFirst, SearchPattern pattern, LogFilter filter, Paging paging,
        Action<string>? searched, CancellationToken cancellationToken)
    {
        var wanted = Wanted(paging);
        var rows = new List<LogRow>();
        foreach (var file in newestFirst)
        {
            if (rows.Count >= wanted)
            {
                break;
            }

            using var lease = file.TryLease();
            if (lease is null)
            {
                continue;
            }

            searched?.Invoke(file.Name);
            var before = rows.Count;
            try
            {
                SearchIn(lease, pattern, forceLiteral: false, filter, wanted - rows.Count, rows, cancellationToken);
            }
            catch (DuckDBException) when (!cancellationToken.IsCancellationRequested && !pattern.IsLiteral)
            {
                // RE2 refused what .NET accepted (the contract: an invalid pattern is matched literally).
                rows.RemoveRange(before, rows.Count - before);
                SearchIn(lease, pattern, forceLiteral: true, filter, wanted - rows.Count, rows, cancellationToken);
            }
        }

        return Page(rows, paging);
    }

    public static StoredEntry? Get(DayFile file, long seq, CancellationToken cancellationToken)
    {
        using var lease = file.TryLease();
        if (lease is null)
        {
            return null;
        }

        using var command = lease.Connection.CreateCommand();
        command.CommandText = $"SELECT {LogRows.Columns} FROM logs WHERE seq = $seq";
        command.Parameters.Add(new DuckDBParameter("seq", seq));
        var rows = new List<LogRow>(1);
        LogRows.ReadInto(command, file, rows, cancellationToken);
        return rows.Count > 0 ? rows[0].Stored : null;
    }

    private static void SearchIn(
        DayFile.Lease lease, SearchPattern pattern, bool forceLiteral, LogFilter filter, int limit, List<LogRow> rows,
        CancellationToken cancellationToken)
    {
        using var command = lease.Connection.CreateCommand();
        var where = LogRows.Where(filter, command);
        var match = SearchFilter.Clause(pattern, forceLiteral, command);
        command.CommandText = $"SELECT {LogRows.Columns} FROM logs {where} AND {match} {LogRows.NewestFirst} LIMIT {limit}";
        LogRows.ReadInto(command, lease.File, rows, cancellationToken);
    }

    /// <summary>The counters answer unless a time bound cuts through the file.</summary>
    private static long CountIn(DayFile.Lease lease, LogFilter filter, CancellationToken cancellationToken)
    {
        var counters = lease.File.Counters;
        if (counters.Covers(filter.From, filter.To))
        {
            return counters.Count(filter.AgentKey, filter.Level);
        }

        using var command = lease.Connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM logs {LogRows.Where(filter, command)}";
        return LogRows.Count(command, cancellationToken);
    }

    private static int Wanted(Paging paging) => Math.Max(0, paging.Offset) + Math.Max(0, paging.Limit);

    private static List<StoredEntry> Page(List<LogRow> rows, Paging paging) =>
        rows.Skip(Math.Max(0, paging.Offset)).Take(Math.Max(0, paging.Limit)).Select(r => r.Stored).ToList();
}
