using Akka.Actor;
using LogAggregator.Model;
using static LogAggregator.Alerting.AlertIntakeProtocol;
using static LogAggregator.Alerting.AlertThresholdProtocol;

namespace LogAggregator.Alerting;

/// <summary>
/// How committed entries reach alerting: grouped per alert key, one <see cref="RecordOccurrences"/> per key per
/// batch. Used by every agent store after a commit and by the catch-up at start, so both classify alike. An agent
/// store only picks out its WARNING-or-above entries young enough to page (<c>max-entry-age</c>); the node's <see cref="AlertIntake"/> classifies them on the
/// alerting threads (see <see cref="AlertingDispatcher"/>), so an error storm's masking and pattern search do not
/// take the commits' CPU, and merges the groups across commits before the deciders see them. While more than
/// <see cref="MaxWaitingChars"/> characters of messages wait for the intake (it is far behind), a store classifies
/// its own commits instead, so what waits stays bounded.
/// </summary>
public sealed class AlertHandOff(IActorRef intake, AlertRules rules, TimeProvider clock)
{
    /// <summary>At most this many characters of committed messages wait for the intake's classification (~32 MiB).</summary>
    public const long MaxWaitingChars = 16 << 20;

    private long _waitingChars;

    /// <summary>Alerting off: committed entries go nowhere.</summary>
    public static readonly AlertHandOff None = new(ActorRefs.Nobody, new AlertRules(DisabledSettings()), TimeProvider.System);

    public bool Enabled => !intake.IsNobody();

    /// <summary>Characters of messages handed to the intake and not classified yet.</summary>
    public long WaitingChars => Interlocked.Read(ref _waitingChars);

    /// <summary>Hands the alert-worthy entries of a committed append (ids in the same order) to their keys.</summary>
    public void Hand(IEnumerable<LogEntry> entries, IReadOnlyList<string> ids)
    {
        if (!Enabled)
        {
            return;
        }

        List<LogEntry>? worthy = null;
        List<int>? indexes = null;
        long chars = 0;
        var index = -1;
        var arrival = clock.GetUtcNow().UtcDateTime;
        foreach (var entry in entries)
        {
            index++;
            // An entry too old to page (a backlog) never needs classifying: it would be left out there anyway.
            if (entry.Level >= Level.Warning && !rules.TooOld(entry.Timestamp, arrival))
            {
                (worthy ??= []).Add(entry);
                (indexes ??= []).Add(index);
                chars += entry.Message.Length;
            }
        }

        if (worthy is null)
        {
            return;
        }

        if (Interlocked.Add(ref _waitingChars, chars) <= MaxWaitingChars)
        {
            intake.Tell(new Committed(CommittedEntries.Of(worthy, indexes!, ids), arrival, this), ActorRefs.NoSender);
            return;
        }

        Interlocked.Add(ref _waitingChars, -chars);
        var keys = Group(worthy.Select((entry, i) => CommittedEntry.Of(ids[indexes![i]], entry)), rules, arrival);
        if (keys.Count > 0)
        {
            intake.Tell(new HandOver(keys), ActorRefs.NoSender);
        }
    }

    /// <summary>The intake's side of <see cref="Hand"/>: groups what a store handed over and releases its share of the bound.</summary>
    internal IReadOnlyList<RecordOccurrences> Classify(Committed committed)
    {
        try
        {
            return Group(committed.Entries, rules, committed.Arrival);
        }
        finally
        {
            Interlocked.Add(ref _waitingChars, -committed.Entries.Chars);
        }
    }

    /// <summary>
    /// The alert-worthy entries grouped per key, in order of first appearance. <paramref name="arrival"/> is when the
    /// batch committed: entries older than it by more than max-entry-age are left out.
    /// </summary>
    public static IReadOnlyList<RecordOccurrences> Group(IEnumerable<CommittedEntry> entries, AlertRules rules, DateTime arrival)
    {
        Dictionary<PartialKey, Builder>? byKey = null;
        foreach (var entry in entries)
        {
            if (entry.Level < Level.Warning || rules.TooOld(entry.Timestamp, arrival)
                || rules.KeyOf(entry.Level, entry.Message, entry.AgentKey) is not { } key)
            {
                continue;
            }

            byKey ??= new Dictionary<PartialKey, Builder>(64);
            if (!byKey.TryGetValue(key, out var builder))
            {
                builder = new Builder(AlertRules.SubjectOf(entry.Agent, key));
                byKey.Add(key, builder);
            }

            builder.Occurrences.Add(new Occurrence(entry.Id, entry.Timestamp, entry.Level));
            if (builder.Samples.Count < rules.Settings.Samples)
            {
                builder.Samples.Add(AlertSample.Of(entry.Id, entry.Timestamp, entry.Message));
            }
        }

        return byKey is null ? [] : byKey.Values.Select(b => new RecordOccurrences(b.Subject, b.Occurrences, b.Samples)).ToList();
    }

    private static Configuration.AlertingSettings DisabledSettings() => new(
        false, "http://localhost:8062", TimeSpan.FromMinutes(5), 5, TimeSpan.FromMinutes(10), TimeSpan.FromHours(1),
        TimeSpan.FromMinutes(10), 5, TimeSpan.Zero, TimeSpan.Zero, [], new Configuration.AlertDeliverySettings(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5)),
        new Configuration.DailySummarySettings(false, new TimeOnly(8, 0)),
        new Configuration.SilentAgentSettings(false, TimeSpan.FromMinutes(30), TimeSpan.FromHours(24), TimeSpan.FromMinutes(1)));

    private sealed class Builder(AlertSubject subject)
    {
        public AlertSubject Subject { get; } = subject;

        public List<Occurrence> Occurrences { get; } = [];

        public List<AlertSample> Samples { get; } = [];
    }
}
