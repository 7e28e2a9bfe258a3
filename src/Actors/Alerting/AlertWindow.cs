using LogAggregator.Model;
using static LogAggregator.Alerting.AlertThresholdProtocol;

namespace LogAggregator.Alerting;

/// <summary>
/// The occurrences of one key that may still combine into an alert, in entry time. Not journaled: the log store
/// holds every occurrence, so an entity rebuilds this from it on recovery. Occurrences are told apart by entry id
/// (a bounded memory of ids seen), so an entry handed over twice (catch-up, rebuild, a repeated batch) counts once.
/// </summary>
internal sealed class AlertWindow(TimeSpan window, int threshold, bool fireAtCritical, int samples)
{
    private const int RememberedIds = 10_000;

    private readonly List<Occurrence> _occurrences = [];
    private readonly Dictionary<string, AlertSample> _samples = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Queue<string> _seenOrder = new();

    public int Count => _occurrences.Count;

    /// <summary>
    /// Adds what is new and dated at or after <paramref name="cooldownUntil"/> (anything earlier belongs to the
    /// incident already paged); returns what fires, or null. A CRITICAL or FATAL fires at once when
    /// <c>fireAtCritical</c>; otherwise the threshold-th occurrence within the window does.
    /// </summary>
    public AlertFiring? Add(IReadOnlyList<Occurrence> occurrences, IReadOnlyList<AlertSample> offered, DateTime cooldownUntil)
    {
        var critical = false;
        foreach (var occurrence in occurrences)
        {
            // Inside the cooldown nothing counts, now or when handed over again (the cooldown only moves later),
            // so such an id need not be remembered.
            if (occurrence.Timestamp < cooldownUntil || !Remember(occurrence.Id))
            {
                continue;
            }

            var at = _occurrences.FindLastIndex(o => o.Timestamp <= occurrence.Timestamp) + 1;
            _occurrences.Insert(at, occurrence);
            critical |= fireAtCritical && occurrence.Level >= Level.Critical;
        }

        foreach (var sample in offered)
        {
            if (_samples.Count < samples && _occurrences.Exists(o => o.Id == sample.Id))
            {
                _samples.TryAdd(sample.Id, sample);
            }
        }

        var firing = critical ? Fire(_occurrences.Count - 1) : FirstFullWindow() is var end and >= 0 ? Fire(end) : null;
        if (firing is null)
        {
            Prune();
        }

        return firing;
    }

    /// <summary>After a page every occurrence held belongs to it (they all precede the new cooldown's end).</summary>
    public void Clear()
    {
        _occurrences.Clear();
        _samples.Clear();
    }

    /// <summary>The index of the first occurrence that is the threshold-th within one window, or -1.</summary>
    private int FirstFullWindow()
    {
        for (var end = threshold - 1; end < _occurrences.Count; end++)
        {
            if (_occurrences[end].Timestamp.Ticks - _occurrences[end - threshold + 1].Timestamp.Ticks <= window.Ticks)
            {
                return end;
            }
        }

        return -1;
    }

    /// <summary>Counts every occurrence held within one window of the newest (the page shows the whole burst).</summary>
    private AlertFiring Fire(int trigger)
    {
        var last = _occurrences[^1].Timestamp;
        var from = Minus(Min(_occurrences[trigger].Timestamp, last), window);
        var counted = _occurrences.Where(o => o.Timestamp >= from).ToList();
        var shown = counted.Where(o => _samples.ContainsKey(o.Id)).Select(o => _samples[o.Id]).Take(samples).ToList();
        return new AlertFiring(counted.Count, counted[0].Timestamp, last, counted.Max(o => o.Level), shown);
    }

    /// <summary>Occurrences older than one window before the newest can no longer combine with anything new.</summary>
    private void Prune()
    {
        if (_occurrences.Count == 0)
        {
            return;
        }

        var oldestKept = Minus(_occurrences[^1].Timestamp, window);
        var drop = _occurrences.FindIndex(o => o.Timestamp >= oldestKept);
        foreach (var gone in _occurrences.Take(drop))
        {
            _samples.Remove(gone.Id);
        }

        _occurrences.RemoveRange(0, drop);
    }

    private bool Remember(string id)
    {
        if (!_seen.Add(id))
        {
            return false;
        }

        _seenOrder.Enqueue(id);
        if (_seenOrder.Count > RememberedIds)
        {
            _seen.Remove(_seenOrder.Dequeue());
        }

        return true;
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    /// <summary>Entries may be dated 0001-01-01 or 9999-12-31: time arithmetic here saturates instead of throwing.</summary>
    internal static DateTime Minus(DateTime time, TimeSpan span) =>
        time.Ticks - DateTime.MinValue.Ticks < span.Ticks ? DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc) : time - span;

    internal static DateTime Plus(DateTime time, TimeSpan span) =>
        DateTime.MaxValue.Ticks - time.Ticks < span.Ticks ? DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc) : time + span;
}
