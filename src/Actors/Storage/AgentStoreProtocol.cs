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
    /// <remarks>
    /// A tailer numbers its batches consecutively from a random start per incarnation; the store relies on it
    /// to refuse the rest of an incarnation's batches once one of them failed (see <see cref="AgentStore"/>).
    /// <see cref="Kind"/> labels the ingest metrics; without it a batch with a mark counts as a file's, else as HTTP's.
    /// </remarks>
    public sealed record StoreEntries(
        string AgentKey, IReadOnlyList<LogEntry> Entries, SourceMark? Mark, long BatchId, Telemetry.SourceKind? Kind = null)
        : IAgentStoreCommand;

    public sealed record StoreEntriesResult(string AgentKey, long BatchId, int Count, string? Error)
    {
        public bool Succeeded => Error is null;
    }

    /// <summary>
    /// What the shard sends an entity to passivate or hand it off (instead of a PoisonPill): the store first
    /// finishes the commit under way and what is queued behind it, so no sender is left unanswered and no later
    /// incarnation commits ahead of it. Local only.
    /// </summary>
    public sealed class Stop
    {
        public static readonly Stop Instance = new();

        private Stop()
        {
        }
    }
}
