using LogAggregator.Model;

namespace LogAggregator.Ingestion;

/// <summary>
/// Reads one tailed line by the rules of DESIGN.md §3. Hand-written span scanning rather than regular
/// expressions: this runs for every line ingested, and most lines are decided by their first character.
/// </summary>
public static class LogLineParser
{
    [ThreadStatic]
    private static string? _lastAgent;

    public static ParsedLine Parse(string line, string sourcePath, string fileAgent, DateTime now)
    {
        var text = line.AsSpan().TrimEnd();
        var continuation = IsContinuation(text);
        if (text.Length > 0 && text[0] == '{'
            && JsonEntryReader.TryReadTailed(text.Length == line.Length ? line : text.ToString(), fileAgent, sourcePath, now, out var json))
        {
            return new ParsedLine(json, LineFormat.Json, continuation);
        }

        LineFormat format;
        DateTime timestamp = now;
        Level level;
        ReadOnlySpan<char> agent;
        int messageStart;
        if (TryStandard(text, out timestamp, out level, out agent, out messageStart))
        {
            format = LineFormat.Standard;
        }
        else if (TryBracketed(text, out level, out agent, out messageStart))
        {
            format = LineFormat.Bracketed;
            timestamp = now;
        }
        else if (TrySimple(text, out level, out messageStart))
        {
            format = LineFormat.Simple;
            timestamp = now;
            agent = fileAgent;
        }
        else
        {
            format = LineFormat.Plain;
            timestamp = now;
            level = Level.Info;
            agent = fileAgent;
            messageStart = 0;
        }

        var message = messageStart == 0 && text.Length == line.Length ? line : text[messageStart..].ToString();
        var entry = new LogEntry(timestamp, level, AgentString(agent, fileAgent), message, sourcePath, LogEntry.EmptyMetadata);
        return new ParsedLine(EntryLimits.Truncate(entry), format, continuation);
    }

    /// <summary>Stack-trace lines: indented, or starting with <c>Traceback</c>, <c>Caused by:</c> or <c>at </c>.</summary>
    public static bool IsContinuation(ReadOnlySpan<char> line) =>
        line.Length > 0
        && (char.IsWhiteSpace(line[0])
            || line.StartsWith("at ", StringComparison.Ordinal)
            || line.StartsWith("Traceback", StringComparison.Ordinal)
            || line.StartsWith("Caused by:", StringComparison.Ordinal));

    /// <summary><c>2024-01-15 10:30:00[.fff][Z] - LEVEL - AGENT - message</c>, with <c>|</c> allowed for <c>-</c>.</summary>
    private static bool TryStandard(ReadOnlySpan<char> s, out DateTime timestamp, out Level level, out ReadOnlySpan<char> agent, out int messageStart)
    {
        timestamp = default;
        level = Level.Info;
        agent = default;
        messageStart = 0;
        if (s.Length < 19 || !char.IsAsciiDigit(s[0]) || s[4] != '-' || s[10] is not ('T' or 't' or ' '))
        {
            return false;
        }

        var i = 11;
        while (i < s.Length && !char.IsWhiteSpace(s[i]))
        {
            i++;
        }

        if (!IsoTimestamps.TryParse(s[..i], out timestamp)
            || !TrySeparator(s, ref i)
            || !TryLevelWord(s, ref i, out level)
            || !TrySeparator(s, ref i))
        {
            return false;
        }

        var agentStart = i;
        while (i < s.Length && IsAgentChar(s[i]))
        {
            i++;
        }

        agent = s[agentStart..i];
        messageStart = i;
        return agent.Length > 0 && TrySeparator(s, ref messageStart);
    }

    /// <summary><c>[LEVEL] AGENT: message</c>.</summary>
    private static bool TryBracketed(ReadOnlySpan<char> s, out Level level, out ReadOnlySpan<char> agent, out int messageStart)
    {
        level = Level.Info;
        agent = default;
        messageStart = 0;
        if (s.Length < 4 || s[0] != '[')
        {
            return false;
        }

        var close = s[..Math.Min(s.Length, 12)].IndexOf(']');
        if (close < 0 || !Levels.TryParse(s[1..close], out level))
        {
            return false;
        }

        var i = SkipSpaces(s, close + 1);
        var agentStart = i;
        while (i < s.Length && IsAgentChar(s[i]))
        {
            i++;
        }

        agent = s[agentStart..i];
        if (agent.Length == 0 || i == s.Length || s[i] != ':')
        {
            return false;
        }

        messageStart = SkipSpaces(s, i + 1);
        return true;
    }

    /// <summary><c>LEVEL - message</c> or <c>LEVEL: message</c>.</summary>
    private static bool TrySimple(ReadOnlySpan<char> s, out Level level, out int messageStart)
    {
        level = Level.Info;
        messageStart = 0;
        if (s.Length < 5 || !char.IsAsciiLetter(s[0]))
        {
            return false;
        }

        var i = 0;
        if (!TryLevelWord(s, ref i, out level))
        {
            return false;
        }

        if (i < s.Length && s[i] == ':')
        {
            messageStart = SkipSpaces(s, i + 1);
            return true;
        }

        messageStart = i;
        return TrySeparator(s, ref messageStart, allowBar: false);
    }

    private static bool TryLevelWord(ReadOnlySpan<char> s, ref int i, out Level level)
    {
        var start = i;
        while (i < s.Length && i - start <= 8 && char.IsAsciiLetter(s[i]))
        {
            i++;
        }

        return Levels.TryParse(s[start..i], out level);
    }

    /// <summary>Whitespace, <c>-</c> (or <c>|</c>), then whitespace or the end of the line.</summary>
    private static bool TrySeparator(ReadOnlySpan<char> s, ref int i, bool allowBar = true)
    {
        var j = SkipSpaces(s, i);
        if (j == i || j == s.Length || !(s[j] == '-' || (allowBar && s[j] == '|')))
        {
            return false;
        }

        j++;
        var after = SkipSpaces(s, j);
        if (after == j && j < s.Length)
        {
            return false;
        }

        i = after;
        return true;
    }

    private static int SkipSpaces(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t')
        {
            i++;
        }

        return i;
    }

    private static bool IsAgentChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.';

    /// <summary>Most lines repeat the file's agent or the previous line's, so their strings are reused.</summary>
    private static string AgentString(ReadOnlySpan<char> agent, string fileAgent)
    {
        if (agent.SequenceEqual(fileAgent))
        {
            return fileAgent;
        }

        var last = _lastAgent;
        if (last is not null && agent.SequenceEqual(last))
        {
            return last;
        }

        return _lastAgent = agent.ToString();
    }
}
