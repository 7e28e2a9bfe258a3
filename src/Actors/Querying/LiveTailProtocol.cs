using System.Threading.Channels;
using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Querying;

public static class LiveTailProtocol
{
    /// <summary>
    /// Published by an agent store after a commit, on the cluster-wide <see cref="LiveTailTopic.Name"/> topic:
    /// the batch's entries with the ids the store gave them, in commit order. Crosses nodes, so it has a
    /// serializer binding.
    /// </summary>
    public sealed record EntriesStored(IReadOnlyList<StoredEntry> Entries);

    /// <summary>
    /// A local client (an SSE response) wants the entries matching <paramref name="Filter"/> written to
    /// <paramref name="Writer"/>. Answered with <see cref="Subscribed"/> once entries committed from then on
    /// reach it. Local only: a channel never crosses nodes.
    /// </summary>
    public sealed record Subscribe(Guid ClientId, LiveTailFilter Filter, ChannelWriter<StoredEntry> Writer);

    public sealed record Subscribed(Guid ClientId);

    /// <summary>The client went away; nothing is answered.</summary>
    public sealed record Unsubscribe(Guid ClientId);
}

/// <summary>
/// What one live-tail client wants. Agent and level match exactly (the agent case-insensitively, through its
/// key); the pattern is the search's (<see cref="SearchPattern"/>), tried on the message and the metadata with
/// the non-backtracking engine, so no client's pattern can stall the tail.
/// </summary>
/// <param name="Levels">Entries of any of these levels (with <paramref name="Level"/>, both apply).</param>
public sealed record LiveTailFilter(
    string? AgentKey = null, Level? Level = null, SearchPattern? Pattern = null, IReadOnlyCollection<Level>? Levels = null)
{
    public static readonly LiveTailFilter All = new();

    public bool Matches(LogEntry entry) =>
        (AgentKey is null || string.Equals(AgentKey, entry.AgentKey, StringComparison.Ordinal))
        && (Level is null || Level == entry.Level)
        && (Levels is null || Levels.Contains(entry.Level))
        && (Pattern is null || Pattern.Highlighter.IsMatch(entry.Message) || Pattern.Highlighter.IsMatch(entry.Metadata));
}

/// <summary>How a dropped client's channel is completed: the reason is what the client is told.</summary>
public sealed class LiveTailDroppedException(string reason) : Exception(reason);
