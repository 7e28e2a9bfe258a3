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
            Span<long> newest = stackalloc long[Levels.All.Count];
            Span<long> oldest = stackalloc long[Levels.All.Count];
            oldest.Fill(long.MaxValue);
            string? agent = null;
            for (var i = 0; i < entries.Count; i++)
            {
                var e = entries[i];
                if (!ReferenceEquals(e.Agent, agent) && !string.Equals(e.Agent, agent, StringComparison.Ordinal))
                {
                    AddRun(agent, run, newest, oldest);
                    agent = e.Agent;
                }

                var stored = LogRows.Stored(e.Timestamp);
                run[(int)e.Level]++;
                newest[(int)e.Level] = Math.Max(newest[(int)e.Level], stored.Ticks);
                oldest[(int)e.Level] = Math.Min(oldest[(int)e.Level], stored.Ticks);
                Min = stored < Min ? stored : Min;
                Max = stored > Max ? stored : Max;
            }

            AddRun(agent, run, newest, oldest);
        }

        public Dictionary<(string Agent, Level Level), long> Counts { get; } = new();

        /// <summary>The oldest and newest stored timestamp of each (agent, level) in <see cref="Counts"/>; see <see cref="ArrivalBlocks"/>.</summary>
        public Dictionary<(string Agent, Level Level), (DateTime Oldest, DateTime Newest)> Times { get; } = new();

        public DateTime Min { get; }

        public DateTime Max { get; }

        private void AddRun(string? agent, Span<long> run, Span<long> newest, Span<long> oldest)
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
                    ref var times = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(Times, (agent, (Level)level), out var seen);
                    times = (
                        new DateTime(seen ? Math.Min(times.Oldest.Ticks, oldest[level]) : oldest[level], DateTimeKind.Utc),
                        new DateTime(seen ? Math.Max(times.Newest.Ticks, newest[level]) : newest[level], DateTimeKind.Utc));
                    run[level] = 0;
                    newest[level] = 0;
                    oldest[level] = long.MaxValue;
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
