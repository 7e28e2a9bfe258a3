using Akka.Actor;
using LogAggregator.Model;
using static LogAggregator.Alerting.AlertThresholdProtocol;

namespace LogAggregator.Alerting;

/// <summary>
/// How committed entries reach alerting: grouped per alert key, one <see cref="RecordOccurrences"/> per key per
/// batch. Used by every agent store after a commit (classifying on the store's own thread, so the agents of a node
/// classify in parallel) and by the catch-up at start, so both classify alike. An agent store's groups go to the
/// node's <see cref="AlertIntake"/>, which merges them across commits before the deciders see them.
/// </summary>
public sealed class AlertHandOff(IActorRef intake, AlertRules rules, TimeProvider clock)
{
    /// <summary>Alerting off: committed entries go nowhere.</summary>
    public static readonly AlertHandOff None = new(ActorRefs.Nobody, new AlertRules(DisabledSettings()), TimeProvider.System);

    public bool Enabled => !intake.IsNobody();

    /// <summary>Hands the alert-worthy entries of a committed append (ids in the same order) to their keys.</summary>
    public void Hand(IEnumerable<LogEntry> entries, IReadOnlyList<string> ids)
    {
        if (!Enabled)
        {
            return;
        }

        var keys = Group(entries, ids, rules, clock.GetUtcNow().UtcDateTime);
        if (keys.Count > 0)
        {
            intake.Tell(new AlertIntakeProtocol.HandOver(keys), ActorRefs.NoSender);
        }
    }

    /// <summary>
    /// The alert-worthy entries grouped per key, in order of first appearance. <paramref name="arrival"/> is when the
    /// batch committed: entries older than it by more than max-entry-age are left out.
    /// </summary>
    public static IReadOnlyList<RecordOccurrences> Group(IEnumerable<LogEntry> entries, IReadOnlyList<string> ids, AlertRules rules, DateTime arrival)
    {
        Dictionary<PartialKey, Builder>? byKey = null;
        var index = -1;
        foreach (var entry in entries)
        {
            index++;
            if (entry.Level < Level.Warning || rules.TooOld(entry, arrival) || rules.KeyOf(entry) is not { } key)
            {
                continue;
            }

            byKey ??= new Dictionary<PartialKey, Builder>(64);
            if (!byKey.TryGetValue(key, out var builder))
            {
                builder = new Builder(AlertRules.SubjectOf(entry, key));
                byKey.Add(key, builder);
            }

            var id = ids[index];
            builder.Occurrences.Add(new Occurrence(id, entry.Timestamp, entry.Level));
            if (builder.Samples.Count < rules.Settings.Samples)
            {
                builder.Samples.Add(new AlertSample(id, entry.Timestamp, entry.Message));
            }
        }

        return byKey is null ? [] : byKey.Values.Select(b => new RecordOccurrences(b.Subject, b.Occurrences, b.Samples)).ToList();
    }

    private static Configuration.AlertingSettings DisabledSettings() => new(
        false, "http://localhost:8062", TimeSpan.FromMinutes(5), 5, TimeSpan.FromMinutes(10), TimeSpan.FromHours(1),
        TimeSpan.FromMinutes(10), 5, TimeSpan.Zero, [], new Configuration.AlertDeliverySettings(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5)),
        new Configuration.DailySummarySettings(false, new TimeOnly(8, 0)),
        new Configuration.SilentAgentSettings(false, TimeSpan.FromMinutes(30), TimeSpan.FromHours(24), TimeSpan.FromMinutes(1)));

    private sealed class Builder(AlertSubject subject)
    {
        public AlertSubject Subject { get; } = subject;

        public List<Occurrence> Occurrences { get; } = [];

        public List<AlertSample> Samples { get; } = [];
    }
}
