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
