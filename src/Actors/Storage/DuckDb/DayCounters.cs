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

    /// <summary>Adds a batch's tally, counted beforehand on the caller's thread (see <see cref="Tally"/>).</summary>
    public void Add(Tally tally)
    {
        if (tally.Counts.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            foreach (var ((agent, level), n) in tally.Counts)
            {
                AddUnlocked(agent, level, n, tally.Min, tally.Max);
            }
        }
    }

    /// <summary>
    /// What one batch adds to the counters. Counted by whoever appends, so the writer thread, which bounds how
    /// fast the store takes rows, only merges a handful of numbers after its commit.
    /// </summary>
    public sealed class Tally
    {
        public Tally(IReadOnlyList<LogEntry> entries)
        {
            Min = DateTime.MaxValue;
            Max = DateTime.MinValue;

            // An append holds one agent store's entries, so they come in long runs of one agent as sent: a run is
            // counted by level and its agent hashed once, not once per entry (this ran on every entry ingested).
            Span<long> run = stackalloc long[Levels.All.Count];
            string? agent = null;
            for (var i = 0; i < entries.Count; i++)
            {
                var e = entries[i];
                if (!ReferenceEquals(e.Agent, agent) && !string.Equals(e.Agent, agent, StringComparison.Ordinal))
                {
                    AddRun(agent, run);
                    agent = e.Agent;
                }

                run[(int)e.Level]++;
                var stored = LogRows.Stored(e.Timestamp);
                Min = stored < Min ? stored : Min;
                Max = stored > Max ? stored : Max;
            }

            AddRun(agent, run);
        }

        public Dictionary<(string Agent, Level Level), long> Counts { get; } = new();

        public DateTime Min { get; }

        public DateTime Max { get; }

        private void AddRun(string? agent, Span<long> run)
        {
            if (agent is null)
            {
                return;
            }

            for (var level = 0; level < run.Length; level++)
            {
                if (run[level] > 0)
                {
                    ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(Counts, (agent, (Level)level), out _);
                    slot += run[level];
                    run[level] = 0;
                }
            }
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

    public long Count(string? agentKey, Level? level) => Count(new LogFilter(agentKey, level));

    /// <summary>The entries of the filter's agent and levels, whatever their time.</summary>
    public long Count(LogFilter filter)
    {
        var agentKey = filter.AgentKey;
        lock (_gate)
        {
            long sum = 0;
            foreach (var ((agent, l), n) in _counts)
            {
                if (filter.MatchesLevel(l) && (agentKey is null || AgentKeys.Of(agent) == agentKey))
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

    /// <summary>Adds this file's counts of the filter's agent and levels, whatever their time, to <paramref name="counts"/>.</summary>
    public void AddTo(Dictionary<(string Agent, Level Level), long> counts, LogFilter filter)
    {
        var agentKey = filter.AgentKey;
        lock (_gate)
        {
            foreach (var ((agent, l), n) in _counts)
            {
                if (n > 0 && filter.MatchesLevel(l) && (agentKey is null || AgentKeys.Of(agent) == agentKey))
                {
                    counts[(agent, l)] = counts.GetValueOrDefault((agent, l)) + n;
                }
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
