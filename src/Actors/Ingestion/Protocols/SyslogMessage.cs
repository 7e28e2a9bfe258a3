using System.Globalization;
using System.Text;
using LogAggregator.Model;

namespace LogAggregator.Ingestion.Protocols;

/// <summary>
/// One syslog message (RFC 5424, or the older BSD form of RFC 3164) to an entry: APP-NAME (RFC 3164's TAG) else
/// HOSTNAME else <c>unknown</c> → agent, severity → level (emerg, alert, crit → CRITICAL; err → ERROR; warning →
/// WARNING; notice, info → INFO; debug → DEBUG), the header's timestamp → timestamp (RFC 3164 has no year and no
/// zone: the current year, the server's zone), MSG → message; facility, hostname, procid, msgid and structured
/// data (<c>{"structured_data": {"id@1": {"name": "value"}}}</c>) → metadata. Never fails: what cannot be read as
/// a header stays in the message.
/// </summary>
public static class SyslogMessage
{
    public const string Source = "syslog";

    private static readonly string[] Facilities =
    [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp",
        "security", "console", "solaris-cron", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ];

    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    public static LogEntry Parse(string text, DateTime now, int maxAgentLength, TimeZoneInfo? zone = null)
    {
        text = text.TrimEnd('\r', '\n', '\0');
        var metadata = new MetadataBuilder();
        metadata.Begin();
        var level = Level.Info;
        var i = 0;
        if (TryPri(text, ref i, out var pri))
        {
            level = (pri & 7) switch
            {
                <= 2 => Level.Critical,
                3 => Level.Error,
                4 => Level.Warning,
                7 => Level.Debug,
                _ => Level.Info,
            };
            metadata.String("facility", (pri >> 3) < Facilities.Length ? Facilities[pri >> 3] : (pri >> 3).ToString(CultureInfo.InvariantCulture));
            metadata.Number("severity", pri & 7);
        }
        else
        {
            return Finish(new LogEntry(now, level, EntryDefaults.Agent, text, Source, metadata.End()), maxAgentLength);
        }

        return text.Length > i + 1 && text[i] is >= '1' and <= '9' && text[i + 1] == ' '
            ? Rfc5424(text, i + 2, level, now, metadata, maxAgentLength)
            : Rfc3164(text, i, level, now, metadata, maxAgentLength, zone ?? TimeZoneInfo.Local);
    }

    private static bool TryPri(string text, ref int i, out int pri)
    {
        pri = 0;
        if (text.Length < 3 || text[0] != '<')
        {
            return false;
        }

        var close = text.IndexOf('>', 1, Math.Min(5, text.Length - 1));
        if (close < 2 || !int.TryParse(text.AsSpan(1, close - 1), NumberStyles.None, CultureInfo.InvariantCulture, out pri) || pri > 191)
        {
            return false;
        }

        i = close + 1;
        return true;
    }

    /// <summary><c>TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]</c>, each header field possibly <c>-</c>.</summary>
    private static LogEntry Rfc5424(string text, int i, Level level, DateTime now, MetadataBuilder metadata, int maxAgentLength)
    {
        var timestamp = Field(text, ref i) is { } stamp && IsoTimestamps.TryParse(stamp, out var parsed) ? parsed : now;
        var host = Field(text, ref i);
        var app = Field(text, ref i);
        var procId = Field(text, ref i);
        var msgId = Field(text, ref i);
        if (host is not null)
        {
            metadata.String("hostname", host);
        }

        if (procId is not null)
        {
            metadata.String("procid", procId);
        }

        if (msgId is not null)
        {
            metadata.String("msgid", msgId);
        }

        if (i < text.Length && text[i] == '[')
        {
            StructuredData(text, ref i, metadata);
        }
        else if (i < text.Length && text[i] == '-')
        {
            i++;
        }

        if (i < text.Length && text[i] == ' ')
        {
            i++;
        }

        var message = i < text.Length ? text[i..] : "";
        if (message.StartsWith('\uFEFF'))
        {
            message = message[1..];
        }

        return Finish(new LogEntry(timestamp, level, app ?? host ?? EntryDefaults.Agent, message, Source, metadata.End()), maxAgentLength);
    }

    /// <summary>The next space-separated header field; null for the NILVALUE <c>-</c>.</summary>
    private static string? Field(string text, ref int i)
    {
        var end = text.IndexOf(' ', i);
        if (end < 0)
        {
            end = text.Length;
        }

        var value = text[i..end];
        i = Math.Min(end + 1, text.Length);
        return value is "-" or "" ? null : value;
    }

    private static void StructuredData(string text, ref int i, MetadataBuilder metadata)
    {
        var start = i;
        var elements = new List<(string Id, List<(string, string)> Params)>();
        while (i < text.Length && text[i] == '[')
        {
            i++;
            var idEnd = text.IndexOfAny([' ', ']'], i);
            if (idEnd < 0)
            {
                i = start;
                return;
            }

            var element = (Id: text[i..idEnd], Params: new List<(string, string)>());
            i = idEnd;
            while (i < text.Length && text[i] == ' ')
            {
                i++;
                var eq = text.IndexOf('=', i);
                if (eq < 0 || eq + 1 >= text.Length || text[eq + 1] != '"')
                {
                    i = start;
                    return;
                }

                var name = text[i..eq];
                i = eq + 2;
                var value = new StringBuilder();
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or ']')
                    {
                        i++;
                    }

                    value.Append(text[i++]);
                }

                if (i >= text.Length)
                {
                    i = start;
                    return;
                }

                i++;
                element.Params.Add((name, value.ToString()));
            }

            if (i >= text.Length || text[i] != ']')
            {
                i = start;
                return;
            }

            i++;
            elements.Add(element);
        }

        if (metadata.Name("structured_data"))
        {
            var writer = metadata.Writer;
            writer.WriteStartObject();
            foreach (var (id, parameters) in elements)
            {
                writer.WritePropertyName(id);
                writer.WriteStartObject();
                foreach (var (name, value) in parameters)
                {
                    writer.WriteString(name, value);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }
    }

    /// <summary><c>Mmm dd hh:mm:ss HOSTNAME TAG[pid]: MSG</c>; senders such as Python's SysLogHandler leave out timestamp and host.</summary>
    private static LogEntry Rfc3164(string text, int i, Level level, DateTime now, MetadataBuilder metadata, int maxAgentLength, TimeZoneInfo zone)
    {
        var timestamp = now;
        string? host = null;
        if (TryBsdTimestamp(text, i, now, zone, out var parsed))
        {
            timestamp = parsed;
            i += 16;
            var hostEnd = text.IndexOf(' ', i);
            if (hostEnd > i && !text.AsSpan(i, hostEnd - i).Contains(':'))
            {
                host = text[i..hostEnd];
                metadata.String("hostname", host);
                i = hostEnd + 1;
            }
        }

        string? app = null;
        var tagEnd = i;
        while (tagEnd < text.Length && tagEnd - i <= 48 && (char.IsAsciiLetterOrDigit(text[tagEnd]) || text[tagEnd] is '_' or '-' or '.' or '/'))
        {
            tagEnd++;
        }

        var after = tagEnd;
        string? procId = null;
        if (after < text.Length && text[after] == '[')
        {
            var close = text.IndexOf(']', after);
            if (close > after)
            {
                procId = text[(after + 1)..close];
                after = close + 1;
            }
        }

        if (tagEnd > i && after < text.Length && text[after] == ':')
        {
            app = text[i..tagEnd];
            if (procId is not null)
            {
                metadata.String("procid", procId);
            }

            i = after + 1;
            if (i < text.Length && text[i] == ' ')
            {
                i++;
            }
        }

        return Finish(new LogEntry(timestamp, level, app ?? host ?? EntryDefaults.Agent, text[i..], Source, metadata.End()), maxAgentLength);
    }

    private static bool TryBsdTimestamp(string text, int i, DateTime now, TimeZoneInfo zone, out DateTime utc)
    {
        utc = default;
        if (text.Length < i + 16 || text[i + 3] != ' ' || text[i + 6] != ' ' || text[i + 9] != ':' || text[i + 12] != ':' || text[i + 15] != ' ')
        {
            return false;
        }

        var month = Array.IndexOf(Months, text.Substring(i, 3)) + 1;
        if (month == 0
            || !int.TryParse(text.AsSpan(i + 4, 2).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var day)
            || !int.TryParse(text.AsSpan(i + 7, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hour)
            || !int.TryParse(text.AsSpan(i + 10, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var minute)
            || !int.TryParse(text.AsSpan(i + 13, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var second)
            || day < 1 || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        // No year: the current one, unless that puts the message more than a day ahead (December's lines read in January).
        var local = TimeZoneInfo.ConvertTimeFromUtc(now, zone);
        var year = local.Year;
        for (var attempt = 0; attempt < 2; attempt++, year--)
        {
            if (day > DateTime.DaysInMonth(year, month))
            {
                continue;
            }

            var candidate = TimeZoneInfo.ConvertTimeToUtc(
                DateTime.SpecifyKind(new DateTime(year, month, day, hour, minute, second), DateTimeKind.Unspecified), zone);
            if (candidate <= now.AddDays(1))
            {
                utc = candidate;
                return true;
            }
        }

        return false;
    }

    /// <summary>An agent name longer than the limit is cut to it, as a tailed file's is.</summary>
    private static LogEntry Finish(LogEntry entry, int maxAgentLength) =>
        EntryLimits.Truncate(entry.Agent.Length > maxAgentLength ? entry with { Agent = entry.Agent[..maxAgentLength] } : entry);
}
