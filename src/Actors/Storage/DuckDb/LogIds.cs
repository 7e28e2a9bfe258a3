using System.Globalization;

namespace LogAggregator.Storage.DuckDb;

/// <summary>Ids are <c>yyyyMMdd-{seq}</c>: the arrival day names the file, so a lookup opens nothing else.</summary>
internal static class LogIds
{
    public static string Prefix(DateOnly day) => day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static string Format(string prefix, long seq) => string.Concat(prefix, "-", seq.ToString(CultureInfo.InvariantCulture));

    public static bool TryParse(string id, out DateOnly day, out long seq)
    {
        day = default;
        seq = 0;
        var dash = id.IndexOf('-');
        return dash == 8
            && DateOnly.TryParseExact(id.AsSpan(0, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day)
            && long.TryParse(id.AsSpan(9), NumberStyles.None, CultureInfo.InvariantCulture, out seq)
            && seq > 0;
    }
}

/// <summary>
/// The ids of one caller's rows: consecutive, so they are formatted only if someone reads them (the tailers
/// never do), not once per row on the writer thread.
/// </summary>
internal sealed class LogIdRange(string prefix, long first, int count) : IReadOnlyList<string>
{
    public int Count => count;

    public string this[int index] =>
        (uint)index < (uint)count ? LogIds.Format(prefix, first + index) : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<string> GetEnumerator()
    {
        for (var i = 0; i < count; i++)
        {
            yield return LogIds.Format(prefix, first + i);
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
