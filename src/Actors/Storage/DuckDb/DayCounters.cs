using LogAggregator.Model;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// What one day file holds, kept in memory so stats, agent lists and unfiltered totals never scan.
/// Counting by (agent as sent, level) is enough to answer every one of them.
/// </summary>
internal sealed class DayCounters
{
    private readonly object _gate = new();
    private readonly Dictionary<(string Agent, Level Level), long> _counts = new();

    public long Total { get; private set; }

    /// <summary>Oldest and newest entry timestamp, or null while the file is empty.</summary>
    public (DateTime Min, DateTime Max)? Range { get; private set; }

    public void Add(string agent, Level level, long count, DateTime min, DateTime max)
    {
        lock (_gate)
        {
            AddUnlocked(agent, level, count, min, max);
        }
    }

    public void Add(IReadOnlyList<LogEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }

        // One caller's rows are one agent's, mostly one level: count runs, then touch the dictionary per run.
        var min = DateTime.MaxValue;
        var max = DateTime.MinValue;
        lock (_gate)
        {
            var agent = entries[0].Agent;
            var level = entries[0].Level;
            long run = 0;
            foreach (var e in entries)
            {
                if (!ReferenceEquals(e.Agent, agent) || e.Level != level)
                {
                    AddUnlocked(agent, level, run, min, max);
                    (agent, level, run) = (e.Agent, e.Level, 0);
                }

                run++;
                min = e.Timestamp < min ? e.Timestamp : min;
                max = e.Timestamp > max ? e.Timestamp : max;
            }

            AddUnlocked(agent, level, run, min, max);
        }
    }

    public bool Overlaps(DateTime? from, DateTime? to)
    {
        var range = Range;
        return range is { } r && (from is null || r.Max >= from) && (to is null || r.Min < to);
    }

    /// <summary>True when the time bounds cannot exclude any entry of this file, so counters answer a count.</summary>
    public bool Covers(DateTime? from, DateTime? to)
    {
        var range = Range;
        return range is null || (from is null || range.Value.Min >= from) && (to is null || range.Value.Max < to);
    }

    public long Count(string? agentKey, Level? level)
    {
        lock (_gate)
        {
            long sum = 0;
            foreach (var ((agent, l), n) in _counts)
            {
                if ((level is null || l == level) && (agentKey is null || AgentKeys.Of(agent) == agentKey))
                {
                    sum += n;
                }
            }

            return sum;
        }
    }

    public void AddTo(Dictionary<Level, long> byLevel, Dictionary<string, long> byAgent)
    {
        lock (_gate)
        {
            foreach (var ((agent, level), n) in _counts)
            {
                byLevel[level] = byLevel.GetValueOrDefault(level) + n;
                byAgent[agent] = byAgent.GetValueOrDefault(agent) + n;
            }
        }
    }

    private void AddUnlocked(string agent, Level level, long count, DateTime min, DateTime max)
    {
        ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_counts, (agent, level), out _);
        slot += count;
        Total += count;
        Range = Range is { } r ? (min < r.Min ? min : r.Min, max > r.Max ? max : r.Max) : (min, max);
    }
}
