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
    public static LogPage Run(DayFile[] files, LogFilter filter, Paging paging, Action<string>? read, CancellationToken cancellationToken)
    {
        var wanted = Wanted(paging);
        var rows = new List<LogRow>();
        long total = 0;

        // Newest files first: once the page is full, a file whose newest entry is older than the page's last
        // entry cannot add to it, and only its count is needed (from the counters, mostly).
        var newestFirst = NewestFirst(files);
        foreach (var file in newestFirst)
        {
            // Files answered by their counters alone are not even connected to: a first page touches one file.
            var counters = file.Counters;
            var counted = counters.Covers(filter.From, filter.To);
            var matching = counters.Count(filter);
            var noRows = wanted == 0 || matching == 0 || CannotContribute(file, rows, wanted);
            if (counted)
            {
                total += matching;
            }

            if (counted && noRows || matching == 0)
            {
                continue;
            }

            using var lease = file.TryLease();
            if (lease is null)
            {
                continue;
            }

            if (!counted)
            {
                total += CountIn(lease, filter, cancellationToken);
            }

            if (noRows)
            {
                continue;
            }

            // Alone, a file pages itself; otherwise each file gives its top rows and they are merged here.
            var (limit, offset) = newestFirst.Length == 1 ? (paging.Limit, paging.Offset) : (wanted, 0);
            ReadPage(lease, filter, limit, offset, rows, read, cancellationToken);
            rows.Sort(LogRow.NewestFirst);
            if (rows.Count > wanted)
            {
                rows.RemoveRange(wanted, rows.Count - wanted);
            }
        }

        return new LogPage(newestFirst.Length == 1 ? rows.Select(r => r.Stored).ToList() : Page(rows, paging), total);
    }

    /// <summary>
    /// One file's newest <paramref name="limit"/> rows after <paramref name="offset"/>, read through the narrowest of
    /// two windows that is expected to hold them whole, the other if it did not, the whole file last. The time window
    /// (<see cref="TimeWindow"/>) assumes timestamps spread evenly over the file's range; a few entries stamped far
    /// ahead of the rest (a live line beside a backlog of old ones) stretch that range, the window then holds too few
    /// rows, and the blocks of arrival (<see cref="ArrivalBlocks.Window"/>), which know where the newest rows of each
    /// agent and level are, still find the page without reading the whole file.
    /// </summary>
    private static void ReadPage(
        DayFile.Lease lease, LogFilter filter, int limit, int offset, List<LogRow> rows, Action<string>? read,
        CancellationToken cancellationToken)
    {
        var counters = lease.File.Counters;
        var arrivals = lease.File.Arrivals;
        var wanted = Sum(offset, limit);
        var cut = TimeWindow.Cut(counters, filter, wanted);
        // The blocks are walked only when the time window does not settle the page first: an upper time bound is
        // pruned by the window and not by the blocks.
        var walked = false;
        List<(long First, long End)>? blocks = null;
        List<(long First, long End)>? Blocks()
        {
            if (!walked)
            {
                walked = true;
                blocks = limit > 0 && filter.To is null ? arrivals.Window(filter, wanted) : null;
            }

            return blocks;
        }

        // The time window first when it is expected to span a block or less (an unfiltered page: the newest seconds),
        // when there are no blocks to read, or when it is expected to span fewer rows than they do.
        var expected = cut is { } bound ? TimeWindow.Rows(counters, bound) : long.MaxValue;
        var windowFirst = cut is not null && (expected <= ArrivalBlocks.BlockRows || Blocks() is not { } runs || expected < arrivals.Rows(runs));
        if (windowFirst && ReadWindow(lease, filter, cut!.Value, limit, offset, rows, read, cancellationToken))
        {
            return;
        }

        if (Blocks() is { } chosen && ReadFromArrival(lease, filter, chosen, limit, offset, rows, read, cancellationToken))
        {
            return;
        }

        if (!windowFirst && cut is not null && ReadWindow(lease, filter, cut.Value, limit, offset, rows, read, cancellationToken))
        {
            return;
        }

        ReadTop(lease, filter, limit, offset, rows, read, cancellationToken);
    }

    /// <summary>
    /// Reads through the time window from <paramref name="cut"/>: exact when it yields a whole page, as every row left
    /// out is older than all rows in it. False, with nothing read, otherwise, or when the blocks of arrival know the
    /// window cannot hold a page (reading it would only find that out).
    /// </summary>
    private static bool ReadWindow(
        DayFile.Lease lease, LogFilter filter, DateTime cut, int limit, int offset, List<LogRow> rows, Action<string>? read,
        CancellationToken cancellationToken)
    {
        if (filter.To is null && !lease.File.Arrivals.MayHold(filter, cut, Sum(offset, limit)))
        {
            return false;
        }

        var before = rows.Count;
        ReadTop(lease, filter with { From = cut }, limit, offset, rows, read, cancellationToken);
        if (rows.Count - before >= limit)
        {
            return true;
        }

        rows.RemoveRange(before, rows.Count - before);
        return false;
    }

    /// <summary>
    /// Reads the page from the blocks of arrival that can hold it. Exact when the page is whole and no block left out
    /// holds a row of the filter as new as the page's last row; otherwise the blocks widen once to those that do,
    /// which is exact as the page's last row can only get newer. False, with nothing read, when the page was not whole.
    /// </summary>
    private static bool ReadFromArrival(
        DayFile.Lease lease, LogFilter filter, List<(long First, long End)> blocks, int limit, int offset, List<LogRow> rows,
        Action<string>? read, CancellationToken cancellationToken)
    {
        var before = rows.Count;
        ReadTop(lease, filter, limit, offset, rows, read, cancellationToken, blocks);
        if (rows.Count - before < limit)
        {
            rows.RemoveRange(before, rows.Count - before);
            return false;
        }

        if (lease.File.Arrivals.Widen(filter, blocks, rows[^1].Stored.Entry.Timestamp) is { } wider)
        {
            rows.RemoveRange(before, rows.Count - before);
            ReadTop(lease, filter, limit, offset, rows, read, cancellationToken, wider);
        }

        return true;
    }

    /// <summary>
    /// The filter's newest rows, all of the file or those in the runs of seq <paramref name="runs"/>
    /// (<see cref="NewestInRuns"/>). Each statement is told to <paramref name="read"/> (tests see which rows a page reads).
    /// </summary>
    private static void ReadTop(
        DayFile.Lease lease, LogFilter filter, int limit, int offset, List<LogRow> rows, Action<string>? read,
        CancellationToken cancellationToken, List<(long First, long End)>? runs = null)
    {
        using var command = lease.Connection.CreateCommand();
        var where = LogRows.Where(filter, command);
        command.CommandText = runs is null
            ? $"SELECT {LogRows.Columns} FROM logs {where} {LogRows.NewestFirst} LIMIT {limit} OFFSET {offset}"
            : NewestInRuns(where, runs, limit, offset);
        read?.Invoke(command.CommandText);
        LogRows.ReadInto(command, lease.File, rows, cancellationToken);
    }

    /// <summary>
    /// The statement for the newest rows under <paramref name="where"/> (a WHERE clause) in the runs of seq, after
    /// <paramref name="offset"/>: one run is one statement; several are one branch each, a Top-N pruned by <c>seq</c>,
    /// which DuckDB answers by fetching the whole rows of its winners only (a sort over the runs' plain union would
    /// hold every candidate's row, messages included).
    /// </summary>
    private static string NewestInRuns(string where, IReadOnlyList<(long First, long End)> runs, int limit, int offset)
    {
        if (runs.Count == 1)
        {
            return $"SELECT {LogRows.Columns} FROM logs {where} AND {SeqRanges.Sql(runs[0])} {LogRows.NewestFirst} LIMIT {limit} OFFSET {offset}";
        }

        var top = Sum(offset, limit);
        var branches = runs.Select(r => $"(SELECT {LogRows.Columns} FROM logs {where} AND {SeqRanges.Sql(r)} {LogRows.NewestFirst} LIMIT {top})");
        return $"SELECT * FROM ({string.Join(" UNION ALL ", branches)}) {LogRows.NewestFirst} LIMIT {limit} OFFSET {offset}";
    }

    /// <summary>
    /// Each file gives its newest matches and they are merged by timestamp, so the page is newest first across day
    /// files whatever day the entries arrived on. Files are visited newest entry first, and once the page is full
    /// a file whose newest entry sorts after the page's last row is not scanned at all: a search over a week
    /// touches only the files that can hold the page.
    /// </summary>
    public static IReadOnlyList<StoredEntry> Search(
        IEnumerable<DayFile> files, SearchPattern pattern, LogFilter filter, Paging paging,
        Action<string>? searched, CancellationToken cancellationToken)
    {
        var wanted = Wanted(paging);
        var rows = new List<LogRow>();
        foreach (var file in NewestFirst(files))
        {
            if (wanted == 0 || file.Counters.Count(filter) == 0 || CannotContribute(file, rows, wanted))
            {
                continue;
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
                SearchIn(lease, pattern, forceLiteral: false, filter, wanted, rows, cancellationToken);
            }
            catch (DuckDBException) when (!cancellationToken.IsCancellationRequested && !pattern.IsLiteral)
            {
                // RE2 refused what .NET accepted (the contract: an invalid pattern is matched literally).
                rows.RemoveRange(before, rows.Count - before);
                SearchIn(lease, pattern, forceLiteral: true, filter, wanted, rows, cancellationToken);
            }

            rows.Sort(LogRow.NewestFirst);
            if (rows.Count > wanted)
            {
                rows.RemoveRange(wanted, rows.Count - wanted);
            }
        }

        return Page(rows, paging);
    }

    /// <summary>Files by their newest entry, newest first; on a tie the later day first, as rows tie.</summary>
    private static DayFile[] NewestFirst(IEnumerable<DayFile> files) =>
        files.OrderByDescending(f => f.Counters.Range?.Max ?? DateTime.MinValue).ThenByDescending(f => f.Day).ToArray();

    /// <summary>
    /// True when the page is full and every row of the file would sort after its last row: the file's newest entry
    /// is older, or as old and from an earlier day (rows tie on timestamp by day, then seq).
    /// </summary>
    private static bool CannotContribute(DayFile file, List<LogRow> rows, int wanted)
    {
        if (rows.Count < wanted || file.Counters.Range is not { } range)
        {
            return rows.Count >= wanted;
        }

        var last = rows[wanted - 1];
        return range.Max < last.Stored.Entry.Timestamp || range.Max == last.Stored.Entry.Timestamp && file.Day < last.Day;
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
        // Matches the index finds in under half the blocks are rare enough to find faster through it alone.
        var indexed = lease.File.Index.Filter(SearchFilter.RequiredText(pattern, forceLiteral), out var kept);
        if (limit > 0 && kept >= 0.5 && SearchNewestBlocks(lease, pattern, forceLiteral, filter, indexed, limit, rows, cancellationToken))
        {
            return;
        }

        using var command = lease.Connection.CreateCommand();
        var where = LogRows.Where(filter, command);
        var match = SearchFilter.Clause(pattern, forceLiteral, command);
        command.CommandText = $"SELECT {LogRows.Columns} FROM logs {where} AND {match} {(indexed.Length == 0 ? "" : "AND " + indexed)} "
            + $"{LogRows.NewestFirst} LIMIT {limit}";
        LogRows.ReadInto(command, lease.File, rows, cancellationToken);
    }

    /// <summary>
    /// A search of the file's newest blocks of arrival first (<see cref="ArrivalBlocks.ByNewest"/>): the blocks whose
    /// newest row of the filter's agent and levels is newest, plus the rows committed since the blocks were read,
    /// more blocks (×8) while the matches found fall short of a page. Once they fill it, every block left out whose
    /// newest row is as new as the page's last match or newer is read too, which makes the page exact: a row left out
    /// is older than that last match (its block's newest is), and adding rows only makes the last match newer. False,
    /// with nothing read, when the blocks would span over a quarter of the rows of all blocks holding the filter's
    /// agent and levels before a page is found, or form too many runs: the caller scans the file as before. A regex newest 100 over the 1 M rows of the peer data, whose
    /// matches are everywhere, read the whole file (~95 ms); now it reads the newest blocks (51–77 ms).
    /// </summary>
    private static bool SearchNewestBlocks(
        DayFile.Lease lease, SearchPattern pattern, bool forceLiteral, LogFilter filter, string indexed, int limit, List<LogRow> rows,
        CancellationToken cancellationToken)
    {
        var (blocks, unblocked) = lease.File.Arrivals.ByNewest(filter);
        long fileRows = 0;
        foreach (var block in blocks)
        {
            fileRows += block.End - block.First;
        }

        var before = rows.Count;
        for (var taken = 2; taken < blocks.Count; taken *= 8)
        {
            var chosen = blocks.GetRange(0, taken);
            if (chosen.Sum(b => b.End - b.First) * 4 > fileRows
                || !SearchBlocks(lease, pattern, forceLiteral, filter, indexed, chosen, unblocked, limit, rows, cancellationToken))
            {
                return false;
            }

            if (rows.Count - before < limit)
            {
                rows.RemoveRange(before, rows.Count - before);
                continue;
            }

            var last = rows[^1].Stored.Entry.Timestamp;
            var newer = blocks.Skip(taken).Where(b => b.Newest >= last).ToList();
            if (newer.Count == 0)
            {
                return true;
            }

            rows.RemoveRange(before, rows.Count - before);
            chosen.AddRange(newer);
            if (SearchBlocks(lease, pattern, forceLiteral, filter, indexed, chosen, unblocked, limit, rows, cancellationToken))
            {
                return true;
            }

            rows.RemoveRange(before, rows.Count - before);
            return false;
        }

        return false;
    }

    /// <summary>Most runs of blocks one search of chosen blocks reads, each a branch of one query.</summary>
    private const int MaxSearchRanges = 32;

    /// <summary>
    /// The search's newest <paramref name="limit"/> matches in the given blocks and everything from
    /// <paramref name="unblocked"/> on, one branch per run of adjacent blocks, each pruned by <c>seq</c> and giving
    /// its own newest <paramref name="limit"/>. False, with nothing read, beyond <see cref="MaxSearchRanges"/> runs.
    /// </summary>
    private static bool SearchBlocks(
        DayFile.Lease lease, SearchPattern pattern, bool forceLiteral, LogFilter filter, string indexed,
        List<(long First, long End, DateTime Newest)> blocks, long unblocked, int limit, List<LogRow> rows, CancellationToken cancellationToken)
    {
        var ranges = new List<(long First, long End)>();
        foreach (var (first, end, _) in blocks.OrderBy(b => b.First))
        {
            SeqRanges.Add(ranges, first, end);
        }

        ranges.Add((unblocked, long.MaxValue));
        if (ranges.Count > MaxSearchRanges)
        {
            return false;
        }

        using var command = lease.Connection.CreateCommand();
        var where = LogRows.Where(filter, command);
        var match = SearchFilter.Clause(pattern, forceLiteral, command);
        command.CommandText = NewestInRuns($"{where} AND {match}" + (indexed.Length == 0 ? "" : " AND " + indexed), ranges, limit, 0);
        LogRows.ReadInto(command, lease.File, rows, cancellationToken);
        return true;
    }

    /// <summary>
    /// A count where a time bound cuts through the file, so the counters cannot answer. One <c>count(*)</c>, which the
    /// time bounds prune through the zone maps on <c>ts</c>: on the 10 M benchmark's time-range page, counting from the
    /// blocks of arrival instead (as <see cref="CountQuery"/> does for counts by agent and level) was slower.
    /// </summary>
    private static long CountIn(DayFile.Lease lease, LogFilter filter, CancellationToken cancellationToken)
    {
        using var command = lease.Connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM logs {LogRows.Where(filter, command)}";
        return LogRows.Count(command, cancellationToken);
    }

    /// <summary>Rows a page needs from the top; an offset near int.MaxValue saturates rather than overflowing.</summary>
    private static int Wanted(Paging paging) => Sum(paging.Offset, paging.Limit);

    private static int Sum(int offset, int limit) => (int)Math.Min(int.MaxValue, (long)Math.Max(0, offset) + Math.Max(0, limit));

    private static List<StoredEntry> Page(List<LogRow> rows, Paging paging) =>
        rows.Skip(Math.Max(0, paging.Offset)).Take(Math.Max(0, paging.Limit)).Select(r => r.Stored).ToList();
}
