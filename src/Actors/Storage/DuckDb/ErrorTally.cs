using LogAggregator.Model;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// Error rows counted by agent, by message and by masked pattern. Counts can be taken away again (with the
/// agents of a pattern counted, not just collected), so a cached tally of a day file can answer a window that
/// starts a little later by subtracting the rows between.
/// </summary>
internal sealed class ErrorTally
{
    public long Total { get; private set; }

    public Dictionary<string, long> ByAgent { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, MessageCount> ByMessage { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, PatternCount> Patterns { get; } = new(StringComparer.Ordinal);

    /// <summary>Adds (or, with -1, takes away) one row; each distinct message is masked once.</summary>
    public void Add(string agent, string message, int sign = 1)
    {
        if (!ByMessage.TryGetValue(message, out var seen))
        {
            seen = new MessageCount(MessagePatterns.Mask(message));
            ByMessage[message] = seen;
        }

        Count(agent, seen, sign);
    }

    public void AddAll(ErrorTally other)
    {
        foreach (var (message, seen) in other.ByMessage)
        {
            if (!ByMessage.TryGetValue(message, out var mine))
            {
                mine = new MessageCount(seen.Pattern);
                ByMessage[message] = mine;
            }

            mine.Count += seen.Count;
        }

        foreach (var (pattern, counts) in other.Patterns)
        {
            var mine = Pattern(pattern);
            mine.Count += counts.Count;
            foreach (var (agent, n) in counts.Agents)
            {
                mine.Agents[agent] = mine.Agents.GetValueOrDefault(agent) + n;
            }
        }

        foreach (var (agent, n) in other.ByAgent)
        {
            ByAgent[agent] = ByAgent.GetValueOrDefault(agent) + n;
        }

        Total += other.Total;
    }

    /// <summary>The sample is the message seen most often under the pattern (ties: the ordinally first).</summary>
    public ErrorSummary Summary(int top)
    {
        var samples = new Dictionary<string, (string Message, long Count)>(StringComparer.Ordinal);
        foreach (var (message, seen) in ByMessage)
        {
            if (seen.Count <= 0)
            {
                continue;
            }

            if (!samples.TryGetValue(seen.Pattern, out var best) || seen.Count > best.Count
                || seen.Count == best.Count && string.CompareOrdinal(message, best.Message) < 0)
            {
                samples[seen.Pattern] = (message, seen.Count);
            }
        }

        var topErrors = Patterns
            .Where(p => p.Value.Count > 0)
            .OrderByDescending(p => p.Value.Count).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(Math.Max(0, top))
            .Select(p => new ErrorPattern(
                p.Key, p.Value.Count, p.Value.Agents.Where(a => a.Value > 0).Select(a => a.Key).Order(StringComparer.Ordinal).ToList(),
                samples[p.Key].Message))
            .ToList();
        return new ErrorSummary(Total, ByAgent.Where(a => a.Value > 0).ToDictionary(StringComparer.Ordinal), topErrors);
    }

    private void Count(string agent, MessageCount seen, int sign)
    {
        seen.Count += sign;
        var pattern = seen.Tally ??= Pattern(seen.Pattern);
        pattern.Count += sign;
        pattern.Agents[agent] = pattern.Agents.GetValueOrDefault(agent) + sign;
        ByAgent[agent] = ByAgent.GetValueOrDefault(agent) + sign;
        Total += sign;
    }

    private PatternCount Pattern(string pattern)
    {
        if (!Patterns.TryGetValue(pattern, out var counts))
        {
            counts = new PatternCount();
            Patterns[pattern] = counts;
        }

        return counts;
    }

    public sealed class MessageCount(string pattern)
    {
        public string Pattern { get; } = pattern;

        public long Count { get; set; }

        /// <summary>This tally's entry for <see cref="Pattern"/>, found once.</summary>
        public PatternCount? Tally { get; set; }
    }

    public sealed class PatternCount
    {
        public long Count { get; set; }

        public Dictionary<string, long> Agents { get; } = new(StringComparer.Ordinal);
    }
}
