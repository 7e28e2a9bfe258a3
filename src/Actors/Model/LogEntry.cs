namespace LogAggregator.Model;

/// <summary>
/// One log record as parsed or posted, before the store gives it an id.
/// <paramref name="Metadata"/> is the text of a JSON object ("{}" when empty), kept verbatim so that
/// what an agent sent is what a search sees.
/// </summary>
public sealed record LogEntry(
    DateTime Timestamp,
    Level Level,
    string Agent,
    string Message,
    string Source,
    string Metadata)
{
    public const string EmptyMetadata = "{}";

    private readonly string _agent = Agent;

    public string Agent
    {
        get => _agent;
        init
        {
            _agent = value;
            AgentKey = AgentKeys.Of(value);
        }
    }

    /// <summary>
    /// The agent as the cluster shards and filters it: case-insensitive, so upper-cased. Computed once: the
    /// tailer, the agent store and the writer all ask for it for every entry.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string AgentKey { get; private init; } = AgentKeys.Of(Agent);
}

/// <summary>An entry as stored: the id is assigned by the log store, stable, and names its day file.</summary>
public sealed record StoredEntry(string Id, LogEntry Entry);

/// <summary>
/// A committed batch as stored entries, paired with their ids only when read: every commit is published to the
/// live tail, and most of the time nobody there is listening.
/// </summary>
public sealed class StoredEntryList(IReadOnlyList<LogEntry> entries, IReadOnlyList<string> ids) : IReadOnlyList<StoredEntry>
{
    public int Count => entries.Count;

    public StoredEntry this[int index] => new(ids[index], entries[index]);

    public IEnumerator<StoredEntry> GetEnumerator()
    {
        for (var i = 0; i < entries.Count; i++)
        {
            yield return this[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

public static class AgentKeys
{
    private const int Slots = 64;

    [ThreadStatic]
    private static (string Agent, string Key)[]? t_recent;

    /// <summary>
    /// The agent upper-cased, remembered per agent string on each thread: every entry asks for it once, and the
    /// entries of one source share one agent string (see Ingestion.InternedText), so they share one key too instead
    /// of a new string each.
    /// </summary>
    public static string Of(string agent)
    {
        var recent = t_recent ??= new (string, string)[Slots];
        ref var slot = ref recent[System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(agent) & (Slots - 1)];
        if (ReferenceEquals(slot.Agent, agent))
        {
            return slot.Key;
        }

        var key = agent.ToUpperInvariant();
        slot = (agent, key);
        return key;
    }
}
