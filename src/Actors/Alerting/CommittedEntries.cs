using LogAggregator.Model;

namespace LogAggregator.Alerting;

/// <summary>What alerting needs of a committed entry: its id and what a key, a window and a sample are made of.</summary>
public readonly record struct CommittedEntry(string Id, DateTime Timestamp, Level Level, string Message, string Agent, string AgentKey)
{
    public static CommittedEntry Of(StoredEntry stored) => Of(stored.Id, stored.Entry);

    public static CommittedEntry Of(string id, LogEntry entry) =>
        new(id, entry.Timestamp, entry.Level, entry.Message, entry.Agent, entry.AgentKey);
}

/// <summary>
/// The alert-worthy entries of one commit as they wait for the intake (<see cref="AlertIntake"/>), maybe for
/// seconds: their messages copied into one character array, the rest in rows without references, the ids still the
/// store's (formatted only when read). An error storm's entries would otherwise stay alive until the commits pause,
/// four objects each, for the collector to copy from generation to generation while the storm is being ingested;
/// held this way, a commit is three arrays (the messages' one past 85,000 bytes, on the large object heap, is never
/// copied) and the entries themselves die young, as they do at INFO. Read as <see cref="CommittedEntry"/>, each
/// message and id made a string again then.
/// </summary>
public sealed class CommittedEntries : IEnumerable<CommittedEntry>
{
    private readonly char[] _messages;
    private readonly Row[] _rows;
    private readonly IReadOnlyList<string> _ids;
    private readonly (string Agent, string AgentKey)[] _agents;

    private CommittedEntries(char[] messages, Row[] rows, IReadOnlyList<string> ids, (string, string)[] agents)
    {
        _messages = messages;
        _rows = rows;
        _ids = ids;
        _agents = agents;
    }

    public int Count => _rows.Length;

    /// <summary>Characters of the messages held.</summary>
    public long Chars => _messages.Length;

    /// <summary>
    /// <paramref name="entries"/> at <paramref name="indexes"/> (ascending) of a commit whose ids, in entry order,
    /// are <paramref name="ids"/>.
    /// </summary>
    public static CommittedEntries Of(IReadOnlyList<LogEntry> entries, IReadOnlyList<int> indexes, IReadOnlyList<string> ids)
    {
        var chars = 0;
        foreach (var entry in entries)
        {
            chars = checked(chars + entry.Message.Length);
        }

        var messages = GC.AllocateUninitializedArray<char>(chars);
        var rows = new Row[entries.Count];
        var agents = new List<(string Agent, string AgentKey)>(1);
        var start = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            // An agent's store commits one agent's entries: their names are kept once, not once per entry.
            var agent = agents.Count - 1;
            while (agent >= 0 && !string.Equals(agents[agent].Agent, entry.Agent, StringComparison.Ordinal))
            {
                agent--;
            }

            if (agent < 0)
            {
                agent = agents.Count;
                agents.Add((entry.Agent, entry.AgentKey));
            }

            entry.Message.CopyTo(messages.AsSpan(start));
            rows[i] = new Row(indexes[i], start, entry.Message.Length, agent, entry.Timestamp, entry.Level);
            start += entry.Message.Length;
        }

        return new CommittedEntries(messages, rows, ids, [.. agents]);
    }

    public IEnumerator<CommittedEntry> GetEnumerator()
    {
        foreach (var row in _rows)
        {
            var (agent, agentKey) = _agents[row.Agent];
            yield return new CommittedEntry(_ids[row.Id], row.Timestamp, row.Level, new string(_messages, row.Start, row.Length), agent, agentKey);
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    private readonly record struct Row(int Id, int Start, int Length, int Agent, DateTime Timestamp, Level Level);
}
