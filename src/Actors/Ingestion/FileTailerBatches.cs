using Akka.Actor;
using LogAggregator.Configuration;
using LogAggregator.Model;
using LogAggregator.Storage;
using static LogAggregator.Storage.AgentStoreProtocol;

namespace LogAggregator.Ingestion;

/// <summary>
/// A tailer's entries between the file and the checkpoint: parsed entries waiting to make a batch, and the batches
/// sent to the agent stores and not yet acknowledged (at most <see cref="IngestionSettings.MaxInFlight"/>). Each
/// batch is split by agent and every part carries the store's source mark; a batch is done when every part is
/// acknowledged, and the checkpoint may move past it once every batch before it is done too. Not thread-safe.
/// </summary>
internal sealed class FileTailerBatches(IngestionSettings settings, TimeProvider clock, IActorRef agentStores)
{
    private readonly List<ParsedEntry> _pending = [];
    private readonly LinkedList<Batch> _inFlight = [];
    private long _nextBatchId = Random.Shared.NextInt64(1, long.MaxValue / 2);
    private long _lastDispatchedOffset;

    /// <summary>Read ahead by one batch at most: the rest waits in the file, not in memory.</summary>
    public bool Full => _inFlight.Count >= settings.MaxInFlight || _pending.Count >= settings.BatchSize;

    public bool Empty => _inFlight.Count == 0 && _pending.Count == 0;

    /// <summary>When the oldest unacknowledged batch was sent.</summary>
    public DateTimeOffset? OldestSentAt => _inFlight.First?.Value.SentAt;

    public void Add(ParsedEntry entry) => _pending.Add(entry);

    /// <summary>Forgets everything: a new content of the file is read from <paramref name="offset"/>.</summary>
    public void Reset(long offset)
    {
        _pending.Clear();
        _inFlight.Clear();
        _lastDispatchedOffset = offset;
    }

    /// <summary>Sends every full batch the window has room for.</summary>
    public void SendFull(SendContext context)
    {
        while (_pending.Count >= settings.BatchSize && _inFlight.Count < settings.MaxInFlight)
        {
            Send(settings.BatchSize, context);
        }
    }

    /// <summary>Sends what is pending, as far as the window has room; <paramref name="all"/> ignores the window (a file being finished).</summary>
    public void SendPending(SendContext context, bool all = false)
    {
        while (_pending.Count > 0 && (all || _inFlight.Count < settings.MaxInFlight))
        {
            Send(settings.BatchSize, context);
        }

        if (_pending.Count == 0 && context.SafeOffset > _lastDispatchedOffset && (all || _inFlight.Count < settings.MaxInFlight))
        {
            // Only empty or already-stored lines were read: the checkpoint still moves past them.
            Send(0, context);
        }
    }

    /// <summary>
    /// Counts an acknowledgement. Returns the offset the checkpoint may move to, if a batch at the head completed;
    /// null otherwise. An answer to a batch this window does not know (sent before a restart) is ignored.
    /// </summary>
    public long? Acknowledge(StoreEntriesResult result)
    {
        var batch = _inFlight.FirstOrDefault(b => b.Id == result.BatchId);
        if (batch is null)
        {
            return null;
        }

        batch.Outstanding--;
        return CompleteHead();
    }

    private long? CompleteHead()
    {
        long? done = null;
        while (_inFlight.First is { Value.Outstanding: <= 0 } head)
        {
            done = head.Value.Offset;
            _inFlight.RemoveFirst();
        }

        return done;
    }

    public bool Knows(long batchId) => _inFlight.Any(b => b.Id == batchId);

    private void Send(int max, SendContext context)
    {
        var count = Math.Min(max, _pending.Count);
        // A partial batch checkpoints just past its last entry; the rest are read again after a crash.
        var offset = count == _pending.Count ? context.SafeOffset : _pending[count - 1].EndOffset;
        var byAgent = new Dictionary<string, (List<LogEntry> Entries, long End)>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var (entry, end) = (_pending[i].Entry, _pending[i].EndOffset);
            var group = byAgent.TryGetValue(entry.AgentKey, out var existing) ? existing : ([], 0);
            group.Entries.Add(entry);
            byAgent[entry.AgentKey] = (group.Entries, Math.Max(group.End, end));
        }

        _pending.RemoveRange(0, count);
        var batch = new Batch(_nextBatchId++, byAgent.Count, offset, clock.GetUtcNow());
        _inFlight.AddLast(batch);
        _lastDispatchedOffset = offset;
        foreach (var (agentKey, (entries, end)) in byAgent)
        {
            var mark = new SourceMark(context.SourceKey, agentKey, context.MarkIdentity, end);
            agentStores.Tell(new StoreEntries(agentKey, entries, mark, batch.Id), context.Sender);
        }

        if (batch.Outstanding == 0 && CompleteHead() is { } completed)
        {
            context.Completed(completed);
        }
    }

    /// <summary>Where the batches go and what they are marked with; <see cref="Completed"/> hears of an empty batch done at once.</summary>
    public sealed record SendContext(string SourceKey, string MarkIdentity, long SafeOffset, IActorRef Sender, Action<long> Completed);

    private sealed class Batch(long id, int outstanding, long offset, DateTimeOffset sentAt)
    {
        public long Id { get; } = id;
        public int Outstanding { get; set; } = outstanding;
        public long Offset { get; } = offset;
        public DateTimeOffset SentAt { get; } = sentAt;
    }
}
