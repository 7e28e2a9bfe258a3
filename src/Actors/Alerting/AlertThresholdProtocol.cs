using System.Collections.Immutable;
using System.Text.Json.Serialization;
using LogAggregator.Model;

namespace LogAggregator.Alerting;

/// <summary>Messages routed to the threshold entity of one alert key; the shard extractor hashes the key.</summary>
public interface IWithAlertKey
{
    string Key { get; }
}

public static class AlertThresholdProtocol
{
    public interface IAlertThresholdCommand : IWithAlertKey;

    /// <summary>
    /// One committed entry that counts toward a key: its id tells repeats apart (catch-up, rebuilds). A value, kept
    /// inline in the lists that carry it: an error storm hands over one per entry.
    /// </summary>
    public readonly record struct Occurrence(string Id, DateTime Timestamp, Level Level);

    /// <summary>
    /// The committed entries of one append (or of a catch-up page) that count toward one key: one message per key
    /// per batch, whatever the number of entries, with up to <c>samples</c> of them in full.
    /// </summary>
    public sealed record RecordOccurrences(AlertSubject Subject, IReadOnlyList<Occurrence> Occurrences, IReadOnlyList<AlertSample> Samples)
        : IAlertThresholdCommand
    {
        [JsonIgnore]
        public string Key => Subject.Key;

        [JsonIgnore]
        public int Count => Occurrences.Count;
    }

    /// <summary>
    /// Journaled when a key's window fires: the alert as decided (kept until the notifier accepted it) and the end of
    /// the cooldown, in entry time (the newest counted entry's timestamp + cooldown). Occurrences dated before it
    /// belong to this incident and never raise another alert, however often they are handed over again.
    /// </summary>
    public sealed record AlertRaised(Alert Alert, DateTime CooldownUntil);

    /// <summary>
    /// What an entity tells the intake that handed it a page's occurrences, or occurrences inside a cooldown the intake
    /// did not know: occurrences of <paramref name="Key"/> dated before <paramref name="Until"/> count for nothing (the
    /// entity skips them, now and whenever they are handed over again, since a cooldown only moves later), so the
    /// intake drops them instead of sending them on. An error storm then costs the deciders and the shard region
    /// a message per key until its page, not one per key per linger for as long as the storm lasts.
    /// <paramref name="AlertPending"/>: the page is decided and journaled but the notifier has not accepted it yet.
    /// The intake then still sends the key a message without occurrences (at most once a second) while it drops some: a
    /// message of the key is what recreates a decider that stopped meanwhile (its shard moved to another node), to send the page
    /// again. Noted again without it once the notifier accepted the page.
    /// </summary>
    public sealed record CooldownNoted(string Key, DateTime Until, bool AlertPending = false);

    /// <summary>What an entity recovers: its key, its cooldown, and the alerts the notifier has not yet accepted.</summary>
    public sealed record AlertThresholdState(string? Key, DateTime CooldownUntil, ImmutableList<Alert> Pending)
    {
        public static readonly AlertThresholdState Empty = new(null, DateTime.MinValue, []);

        public AlertThresholdState Apply(AlertRaised e) =>
            this with { Key = e.Alert.Key, CooldownUntil = e.CooldownUntil, Pending = Pending.Add(e.Alert) };

        public AlertThresholdState Apply(AlertHandedOver e) =>
            this with { Pending = Pending.RemoveAll(a => a.Id == e.AlertId) };
    }

    /// <summary>What the shard sends an entity to passivate or hand it off. Local only.</summary>
    public sealed class Stop
    {
        public static readonly Stop Instance = new();

        private Stop()
        {
        }
    }
}
