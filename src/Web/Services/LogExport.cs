using System.Runtime.CompilerServices;
using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Web.Services;

/// <summary>
/// Reads a query's matches page by page, newest first, for an export: each page is handed on before the next is
/// read, so an export of any size holds one page in memory.
/// </summary>
/// <remarks>
/// Pages are found by the last timestamp seen rather than by offset: the next page ends just after that time
/// (<see cref="LogFilter.To"/>) and skips the entries of that very time already written, so each page costs a short
/// read at the top of its range, not a scan past everything written before it. An entry that arrives during the
/// export with a timestamp the export already passed is not in it; one whose timestamp equals the page boundary's
/// exactly may be written twice.
/// </remarks>
public static class LogExport
{
    public const int PageSize = Paging.MaxLimit;

    public static async IAsyncEnumerable<IReadOnlyList<StoredEntry>> PagesAsync(
        ILogQueryService queries, SearchPattern? pattern, LogFilter filter, int max,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var remaining = max;
        DateTime? boundary = null;
        var written = 0; // entries already written whose timestamp is the boundary's
        while (remaining > 0)
        {
            var pageFilter = boundary is { } last ? filter with { To = JustAfter(last) } : filter;
            var paging = new Paging(Math.Min(PageSize, remaining), written);
            var entries = pattern is null
                ? (await queries.QueryAsync(pageFilter, paging, cancellationToken)).Entries
                : await queries.SearchAsync(pattern, pageFilter, paging, cancellationToken);
            if (entries.Count == 0)
            {
                yield break;
            }

            yield return entries;
            remaining -= entries.Count;
            if (entries.Count < paging.Limit)
            {
                yield break;
            }

            var oldest = entries[^1].Entry.Timestamp;
            var sameTime = 0;
            for (var i = entries.Count - 1; i >= 0 && entries[i].Entry.Timestamp == oldest; i--)
            {
                sameTime++;
            }

            written = oldest == boundary ? written + sameTime : sameTime;
            boundary = oldest;
        }
    }

    /// <summary>The end (exclusive) that still includes <paramref name="time"/>; the store keeps whole microseconds, so one tick is enough.</summary>
    private static DateTime JustAfter(DateTime time) =>
        time.Ticks < DateTime.MaxValue.Ticks ? new DateTime(time.Ticks + 1, DateTimeKind.Utc) : DateTime.MaxValue;
}
