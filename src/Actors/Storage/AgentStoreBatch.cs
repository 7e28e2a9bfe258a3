using LogAggregator.Model;
using static LogAggregator.Storage.AgentStoreProtocol;

namespace LogAggregator.Storage;

/// <summary>How an <see cref="AgentStore"/> turns the commands that queued up during a commit into one append.</summary>
internal static class AgentStoreBatch
{
    /// <summary>Entries in arrival order; one mark per (source, agent), the last to arrive, as the tailer sent them in file order.</summary>
    public static (IReadOnlyList<LogEntry> Entries, IReadOnlyList<SourceMark> Marks) Merge(IEnumerable<StoreEntries> commands)
    {
        var list = commands as IReadOnlyList<StoreEntries> ?? commands.ToList();
        if (list.Count == 1)
        {
            return (list[0].Entries, list[0].Mark is { } only ? [only] : []);
        }

        var entries = new List<LogEntry>(list.Sum(c => c.Entries.Count));
        var marks = new Dictionary<(string Source, string Agent), SourceMark>();
        foreach (var command in list)
        {
            entries.AddRange(command.Entries);
            if (command.Mark is { } mark)
            {
                marks[(mark.SourceKey, mark.AgentKey)] = mark;
            }
        }

        return (entries, marks.Values.ToList());
    }

    /// <summary>The ids of one command's entries within the ids of the append that carried it.</summary>
    public sealed class IdSlice(IReadOnlyList<string> ids, int offset, int count) : IReadOnlyList<string>
    {
        public int Count => count;

        public string this[int index] =>
            (uint)index < (uint)count ? ids[offset + index] : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<string> GetEnumerator()
        {
            for (var i = 0; i < count; i++)
            {
                yield return ids[offset + i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

/// <summary>
/// Tailers whose batch failed to commit here, by source key. Until that tailer starts over from its checkpoint, its
/// later batches must not commit: their marks would cover the failed lines. A tailer numbers its batches
/// consecutively from a random start in [1, 2^62) per incarnation, so a batch id just above the failed one comes
/// from the same incarnation (refused), and any other from a new one (which clears the record). A false refusal
/// (a new incarnation starting within <see cref="Horizon"/> above the failure, odds ~10^-12) only costs a retry.
/// </summary>
internal sealed class FailedTailers
{
    /// <summary>More batches than one incarnation sends between a failure and hearing of it.</summary>
    private const long Horizon = 1_000_000;

    private readonly Dictionary<string, (long BatchId, string Error)> _failed = new(StringComparer.Ordinal);

    public void Failed(string sourceKey, long batchId, string error)
    {
        if (!_failed.TryGetValue(sourceKey, out var known) || batchId > known.BatchId)
        {
            _failed[sourceKey] = (batchId, error);
        }
    }

    /// <summary>The failure that refuses this batch, or null (forgetting a failure a new incarnation has moved past).</summary>
    public string? Refuses(string sourceKey, long batchId)
    {
        if (!_failed.TryGetValue(sourceKey, out var failed))
        {
            return null;
        }

        if (batchId > failed.BatchId && batchId - failed.BatchId <= Horizon)
        {
            return failed.Error;
        }

        _failed.Remove(sourceKey);
        return null;
    }
}
