using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Alerting;

/// <summary>
/// Reads the stored occurrences a recovering <see cref="AlertThreshold"/> rebuilds its window from, for all the
/// entities of a node at once. Entities of one agent that ask while no read of theirs has started yet share the next
/// read: one pass over the agent's entries at the keys' levels (every page of it, not just the newest), each entry
/// classified once, each entity given its own key's. A read starts only after everyone it serves has asked, so an
/// entity sees at least what its own query would have seen; what commits later reaches it through the hand-off.
/// A burst of new keys (a thousand entities starting together) thus costs a few reads per agent, not three per key,
/// and leaves the store to the commits.
/// <para>
/// In a cluster of one (no seed nodes: the embedded store allows no other) the first incarnation of a key in this
/// process, with no decision in its journal, reads nothing: every occurrence committed since the process started was
/// handed to it, and the catch-up at start hands it those committed before (when <c>catch-up</c> covers the window).
/// Only an entity that lived before in this process (passivated, stopped) or has journaled decisions rebuilds; so a
/// burst of new keys costs the store nothing.
/// </para>
/// </summary>
public sealed class AlertWindowRebuilder(ILogStore store, AlertRules rules, bool clusterOfOne = false)
{
    /// <summary>Entities remembered as started in this process; beyond this every entity rebuilds.</summary>
    public const int MaxRemembered = 200_000;

    /// <summary>Entries read per agent and level at most: a flood that large has paged already.</summary>
    public const int MaxEntries = 100_000;

    private static readonly Level[] ErrorLevels = [Level.Error, Level.Critical, Level.Fatal];
    private static readonly Level[] PatternLevels = [Level.Warning, Level.Error, Level.Critical, Level.Fatal];

    private readonly object _gate = new();
    private readonly Dictionary<(string Agent, bool Patterns), Read> _waiting = [];
    private readonly Dictionary<(string Agent, bool Patterns), Read> _running = [];
    private readonly HashSet<string> _started = new(StringComparer.Ordinal);
    private readonly bool _firstIncarnationsSkip = clusterOfOne && rules.Settings.CatchUp >= rules.Settings.Window;

    /// <summary>
    /// Whether the entity <paramref name="entityId"/>, starting now, must rebuild its window: not when it is the key's
    /// first incarnation in a cluster of one with nothing journaled (see the class remarks).
    /// </summary>
    public bool NeedsRebuild(string entityId, bool journaled)
    {
        lock (_gate)
        {
            if (_started.Count >= MaxRemembered && !_started.Contains(entityId))
            {
                return true;
            }

            var first = _started.Add(entityId);
            return !(_firstIncarnationsSkip && first && !journaled);
        }
    }

    /// <summary>The stored entries of <paramref name="subject"/>'s key dated from <paramref name="from"/> on, oldest first.</summary>
    public async Task<IReadOnlyList<StoredEntry>> OccurrencesAsync(AlertSubject subject, DateTime from)
    {
        var slot = (subject.AgentKey, subject.PatternName is not null);
        Read read;
        lock (_gate)
        {
            if (_waiting.TryGetValue(slot, out var waiting))
            {
                read = waiting;
                if (from < read.From)
                {
                    read.From = from;
                }
            }
            else
            {
                read = new Read(from);
                _waiting[slot] = read;
                var previous = _running.TryGetValue(slot, out var running) ? running.Done.Task : Task.CompletedTask;
                _ = Task.Run(() => RunAsync(slot, read, previous));
            }
        }

        var byKey = await read.Done.Task.ConfigureAwait(false);
        return byKey.TryGetValue(subject.Key, out var entries)
            ? entries.Where(e => e.Entry.Timestamp >= from).ToList()
            : [];
    }

    private async Task RunAsync((string Agent, bool Patterns) slot, Read read, Task previous)
    {
        try
        {
            await previous.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The previous read's failure is its own askers' business.
        }

        DateTime from;
        lock (_gate)
        {
            _waiting.Remove(slot);
            _running[slot] = read;
            from = read.From;
        }

        try
        {
            read.Done.SetResult(await ReadAsync(slot.Agent, slot.Patterns ? PatternLevels : ErrorLevels, from).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            read.Done.SetException(e);
        }
        finally
        {
            lock (_gate)
            {
                if (_running.TryGetValue(slot, out var current) && current == read)
                {
                    _running.Remove(slot);
                }
            }
        }
    }

    private async Task<Dictionary<string, List<StoredEntry>>> ReadAsync(string agentKey, Level[] levels, DateTime from)
    {
        var byKey = new Dictionary<string, List<StoredEntry>>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var level in levels)
        {
            for (var offset = 0; offset < MaxEntries; offset += Paging.MaxLimit)
            {
                var page = await store.QueryAsync(new LogFilter(agentKey, level, from), new Paging(Paging.MaxLimit, offset)).ConfigureAwait(false);
                foreach (var stored in page.Entries)
                {
                    // Entries committed meanwhile shift the pages: an entry read twice counts once.
                    if (seen.Add(stored.Id) && rules.Classify(stored.Entry) is { } subject)
                    {
                        if (!byKey.TryGetValue(subject.Key, out var entries))
                        {
                            entries = [];
                            byKey.Add(subject.Key, entries);
                        }

                        entries.Add(stored);
                    }
                }

                if (page.Entries.Count < Paging.MaxLimit)
                {
                    break;
                }
            }
        }

        foreach (var entries in byKey.Values)
        {
            entries.Sort((a, b) => a.Entry.Timestamp.CompareTo(b.Entry.Timestamp));
        }

        return byKey;
    }

    private sealed class Read(DateTime from)
    {
        public DateTime From { get; set; } = from;

        public TaskCompletionSource<Dictionary<string, List<StoredEntry>>> Done { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
