using LogAggregator.Model;

namespace LogAggregator.Storage;

/// <summary>Messages routed to the agent store entity of one agent; the shard extractor reads the key.</summary>
public interface IWithAgentId
{
    /// <summary>Upper-cased agent name (<see cref="AgentKeys"/>).</summary>
    string AgentKey { get; }
}

public static class AgentStoreProtocol
{
    public interface IAgentStoreCommand : IWithAgentId;

    /// <summary>
    /// Store these entries of one agent. The sender gets a <see cref="StoreEntriesResult"/> with the same
    /// <paramref name="BatchId"/> once they are committed, or with an error when they are not.
    /// </summary>
    public sealed record StoreEntries(string AgentKey, IReadOnlyList<LogEntry> Entries, SourceMark? Mark, long BatchId)
        : IAgentStoreCommand;

    public sealed record StoreEntriesResult(string AgentKey, long BatchId, int Count, string? Error)
    {
        public bool Succeeded => Error is null;
    }
}
