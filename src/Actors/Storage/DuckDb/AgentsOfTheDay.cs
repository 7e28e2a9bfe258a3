using LogAggregator.Model;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// The distinct agent keys of today's day file, written or admitted, for <see cref="ILogStore.AdmitAgentsAsync"/>.
/// Rebuilt from the file's counters when the day changes (or the store opens), then kept up to date by every
/// append and every admission, so each check is a set lookup under one lock.
/// </summary>
internal sealed class AgentsOfTheDay(Func<DateOnly> today, Func<DateOnly, DayFile?> fileOf)
{
    private readonly object _gate = new();
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private DateOnly? _day;

    public IReadOnlyList<string> Admit(IReadOnlyCollection<string> agentKeys, int maxAgentsPerDay)
    {
        List<string>? refused = null;
        lock (_gate)
        {
            Current();
            foreach (var key in agentKeys)
            {
                if (!_keys.Contains(key) && (_keys.Count >= maxAgentsPerDay || !_keys.Add(key)))
                {
                    (refused ??= []).Add(key);
                }
            }
        }

        return refused ?? [];
    }

    /// <summary>An append counts its agents whether or not they were admitted first.</summary>
    public void Written(DayCounters.Tally tally)
    {
        lock (_gate)
        {
            Current();
            foreach (var (agent, _) in tally.Counts.Keys)
            {
                _keys.Add(AgentKeys.Of(agent));
            }
        }
    }

    private void Current()
    {
        var day = today();
        if (_day == day)
        {
            return;
        }

        _day = day;
        _keys.Clear();
        if (fileOf(day) is { } file)
        {
            var byAgent = new Dictionary<string, long>(StringComparer.Ordinal);
            file.Counters.AddTo(Levels.All.ToDictionary(l => l, _ => 0L), byAgent);
            foreach (var agent in byAgent.Keys)
            {
                _keys.Add(AgentKeys.Of(agent));
            }
        }
    }
}
