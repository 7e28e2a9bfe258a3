namespace LogAggregator.Ingestion;

/// <summary>
/// ISO-8601 as log lines and clients write it, parsed by hand because the framework's parsers are
/// either too strict (round-trip "O") or too slow and too forgiving (culture-aware TryParse) for the ingest path.
/// </summary>
public static class IsoTimestamps
{
    /// <summary>
    /// Accepts <c>yyyy-MM-dd</c>, optionally followed by <c>T</c> or a space and <c>HH:mm[:ss[.fraction]]</c>,
    /// optionally followed by <c>Z</c> or an offset (<c>+02:00</c>, <c>+0200</c>, <c>+02</c>).
    /// No zone means UTC; an offset is converted to UTC. The whole span must be consumed.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> s, out DateTime utc)
    {
        utc = default;
        if (s.Length < 10 || s[4] != '-' || s[7] != '-'
            || !TryDigits(s, 0, 4, out var year) || !TryDigits(s, 5, 2, out var month) || !TryDigits(s, 8, 2, out var day)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        int hour = 0, minute = 0, second = 0;
        long fractionTicks = 0;
        var i = 10;
        if (i < s.Length && s[i] is 'T' or 't' or ' ')
        {
            if (s.Length < i + 6 || s[i + 3] != ':' || !TryDigits(s, i + 1, 2, out hour) || !TryDigits(s, i + 4, 2, out minute)
                || hour > 23 || minute > 59)
            {
                return false;
            }

            i += 6;
            if (i < s.Length && s[i] == ':')
            {
                if (!TryDigits(s, i + 1, 2, out second) || second > 59)
                {
                    return false;
                }

                i += 3;
                // Python's logging writes a comma before the milliseconds.
                if (i < s.Length && s[i] is '.' or ',')
                {
                    i++;
                    var start = i;
                    long scale = TimeSpan.TicksPerSecond;
                    while (i < s.Length && char.IsAsciiDigit(s[i]))
                    {
                        if (scale > 1)
                        {
                            scale /= 10;
                            fractionTicks += (s[i] - '0') * scale;
                        }

                        i++;
                    }

                    if (i == start)
                    {
                        return false;
                    }
                }
            }
        }

        var offsetMinutes = 0;
        if (i < s.Length)
        {
            if (!TryParseZone(s[i..], out offsetMinutes))
            {
                return false;
            }
        }

        var ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks
            + fractionTicks - offsetMinutes * TimeSpan.TicksPerMinute;
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        utc = new DateTime(ticks, DateTimeKind.Utc);
        return true;
    }

    /// <summary>Unix time as clients send it: seconds, or milliseconds when the number is too large to be seconds.</summary>
    public static bool TryFromUnix(long value, out DateTime utc) =>
        TryFromTicks(Math.Abs(value) >= MillisecondsThreshold
            ? (decimal)value * TimeSpan.TicksPerMillisecond
            : (decimal)value * TimeSpan.TicksPerSecond, out utc);

    /// <inheritdoc cref="TryFromUnix(long, out DateTime)"/>
    public static bool TryFromUnix(double value, out DateTime utc)
    {
        utc = default;
        if (!double.IsFinite(value) || Math.Abs(value) > 1e15)
        {
            return false;
        }

        var seconds = Math.Abs(value) >= MillisecondsThreshold ? value / 1000 : value;
        // A double holds about 16 digits, so beyond whole microseconds its fraction is noise.
        var whole = Math.Floor(seconds);
        var micros = Math.Round((seconds - whole) * 1_000_000);
        return TryFromTicks((decimal)whole * TimeSpan.TicksPerSecond + (decimal)micros * 10, out utc);
    }

    // 1e11 seconds is the year 5138; any larger value is a JavaScript Date.now() in milliseconds.
    private const long MillisecondsThreshold = 100_000_000_000;

    private static bool TryFromTicks(decimal sinceEpoch, out DateTime utc)
    {
        utc = default;
        var ticks = DateTime.UnixEpoch.Ticks + sinceEpoch;
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        utc = new DateTime((long)ticks, DateTimeKind.Utc);
        return true;
    }

    private static bool TryParseZone(ReadOnlySpan<char> zone, out int offsetMinutes)
    {
        offsetMinutes = 0;
        if (zone is ['Z' or 'z'])
        {
            return true;
        }

        if (zone.Length < 3 || zone[0] is not ('+' or '-') || !TryDigits(zone, 1, 2, out var hours) || hours > 14)
        {
            return false;
        }

        var minutes = 0;
        var rest = zone[3..];
        if (rest.Length > 0)
        {
            if (rest[0] == ':')
            {
                rest = rest[1..];
            }

            if (rest.Length != 2 || !TryDigits(rest, 0, 2, out minutes) || minutes > 59)
            {
                return false;
            }
        }

        offsetMinutes = (zone[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> s, int start, int count, out int value)
    {
        value = 0;
        if (start + count > s.Length)
        {
            return false;
        }

        for (var i = start; i < start + count; i++)
        {
            var c = s[i];
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = value * 10 + (c - '0');
        }

        return true;
    }
}
