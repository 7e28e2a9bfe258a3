using System.Collections.Immutable;

namespace LogAggregator.Alerting;

/// <summary>Where an alert stands: waiting in the outbox, handed to HERMES, held back by a silence.</summary>
public enum DeliveryState
{
    /// <summary>In the outbox, not tried yet (or being tried).</summary>
    Pending,

    /// <summary>In the outbox: the last attempt failed and it is retried after a backoff.</summary>
    Failed,

    Delivered,

    Silenced,
}

public static class DeliveryStates
{
    public static string Name(this DeliveryState state) => state switch
    {
        DeliveryState.Pending => "pending",
        DeliveryState.Failed => "failed",
        DeliveryState.Delivered => "delivered",
        DeliveryState.Silenced => "silenced",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static bool TryParse(string text, out DeliveryState state)
    {
        foreach (var candidate in Enum.GetValues<DeliveryState>())
        {
            if (string.Equals(candidate.Name(), text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                state = candidate;
                return true;
            }
        }

        state = default;
        return false;
    }
}

/// <summary>One request to HERMES: the path tried and what came back (a status, or the error that stood for one).</summary>
public sealed record DeliveryAttempt(DateTime At, string Path, int? Status, string? Error);

/// <summary>An alert and its delivery so far.</summary>
/// <param name="Attempts">Requests sent to HERMES for it, all paths counted.</param>
/// <param name="RecentAttempts">The last <see cref="AlertLog.AttemptsKept"/> of them.</param>
/// <param name="Path">The HERMES path that took it, once delivered.</param>
public sealed record AlertRecord(
    Alert Alert,
    DateTime QueuedAt,
    DeliveryState State,
    int Attempts,
    string? Path,
    string? SilenceId,
    DateTime? FinishedAt,
    IReadOnlyList<DeliveryAttempt> RecentAttempts)
{
    public bool Finished => State is DeliveryState.Delivered or DeliveryState.Silenced;
}

/// <summary>The notifier's journal events: the outbox, the history and the silences are nothing but their sum.</summary>
public static class AlertLogEvents
{
    public interface IAlertLogEvent;

    public sealed record AlertQueued(Alert Alert, DateTime At) : IAlertLogEvent;

    public sealed record DeliveryAttempted(string AlertId, string Path, int? Status, string? Error, DateTime At) : IAlertLogEvent;

    public sealed record AlertDelivered(string AlertId, string Path, int Status, DateTime At) : IAlertLogEvent;

    public sealed record AlertSilenced(string AlertId, string SilenceId, DateTime At) : IAlertLogEvent;

    public sealed record SilenceCreated(Silence Silence) : IAlertLogEvent;

    public sealed record SilenceDeleted(string SilenceId, DateTime At) : IAlertLogEvent;
}

/// <summary>What a snapshot keeps: the alerts oldest first and the silences not yet expired.</summary>
public sealed record AlertLogSnapshot(IReadOnlyList<AlertRecord> Alerts, IReadOnlyList<Silence> Silences);

/// <summary>
/// The notifier's state: the outbox (alerts not finished, in the order they came), a bounded history of finished
/// alerts for the API, and the silences. Immutable; <see cref="Apply"/> is pure, so recovery replays the journal
/// into exactly the state that wrote it.
/// </summary>
public sealed record AlertLog(
    ImmutableDictionary<string, AlertRecord> Alerts,
    ImmutableList<string> Outbox,
    ImmutableQueue<string> History,
    int HistoryCount,
    ImmutableDictionary<string, Silence> Silences,
    int MaxHistory)
{
    /// <summary>Finished alerts kept for <c>GET /api/alerts</c> (and to recognise a repeated Deliver).</summary>
    public const int DefaultMaxHistory = 10_000;

    public const int AttemptsKept = 20;

    public static AlertLog Empty(int maxHistory = DefaultMaxHistory) => new(
        ImmutableDictionary<string, AlertRecord>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableList<string>.Empty,
        ImmutableQueue<string>.Empty,
        0,
        ImmutableDictionary<string, Silence>.Empty.WithComparers(StringComparer.Ordinal),
        maxHistory);

    /// <summary>The next alert to deliver, if any.</summary>
    public AlertRecord? Head => Outbox.IsEmpty ? null : Alerts[Outbox[0]];

    public bool Holds(string alertId) => Alerts.ContainsKey(alertId);

    public AlertLog Apply(AlertLogEvents.IAlertLogEvent e) => e switch
    {
        AlertLogEvents.AlertQueued q when !Holds(q.Alert.Id) => this with
        {
            Alerts = Alerts.SetItem(q.Alert.Id, new AlertRecord(q.Alert, q.At, DeliveryState.Pending, 0, null, null, null, [])),
            Outbox = Outbox.Add(q.Alert.Id),
        },
        AlertLogEvents.DeliveryAttempted a when Alerts.TryGetValue(a.AlertId, out var r) => this with
        {
            Alerts = Alerts.SetItem(a.AlertId, r with
            {
                State = r.Finished ? r.State : DeliveryState.Failed,
                Attempts = r.Attempts + 1,
                RecentAttempts = Keep(r.RecentAttempts, new DeliveryAttempt(a.At, a.Path, a.Status, a.Error)),
            }),
        },
        AlertLogEvents.AlertDelivered d when Alerts.TryGetValue(d.AlertId, out var r) && !r.Finished => Finish(r with
        {
            State = DeliveryState.Delivered,
            Attempts = r.Attempts + 1,
            Path = d.Path,
            FinishedAt = d.At,
            RecentAttempts = Keep(r.RecentAttempts, new DeliveryAttempt(d.At, d.Path, d.Status, null)),
        }),
        AlertLogEvents.AlertSilenced s when Alerts.TryGetValue(s.AlertId, out var r) && !r.Finished => Finish(r with
        {
            State = DeliveryState.Silenced,
            SilenceId = s.SilenceId,
            FinishedAt = s.At,
        }),
        AlertLogEvents.SilenceCreated c => this with { Silences = Silences.SetItem(c.Silence.Id, c.Silence) },
        AlertLogEvents.SilenceDeleted d => this with { Silences = Silences.Remove(d.SilenceId) },
        _ => this,
    };

    /// <summary>Silences in force at <paramref name="now"/>, soonest to end first.</summary>
    public IEnumerable<Silence> ActiveSilences(DateTime now) =>
        Silences.Values.Where(s => s.IsActive(now)).OrderBy(s => s.EndsAt).ThenBy(s => s.Id, StringComparer.Ordinal);

    public Silence? SilenceFor(Alert alert, DateTime now) => ActiveSilences(now).FirstOrDefault(s => s.Matcher.Matches(alert));

    /// <summary>Newest first: the outbox (newest queued first), then the history.</summary>
    public IEnumerable<AlertRecord> Newest() =>
        Alerts.Values.OrderByDescending(r => r.QueuedAt).ThenByDescending(r => r.Alert.RaisedAt).ThenBy(r => r.Alert.Id, StringComparer.Ordinal);

    public AlertLogSnapshot ToSnapshot(DateTime now) => new(
        Alerts.Values.OrderBy(r => r.QueuedAt).ToList(),
        Silences.Values.Where(s => s.EndsAt > now).ToList());

    public static AlertLog FromSnapshot(AlertLogSnapshot snapshot, int maxHistory = DefaultMaxHistory)
    {
        var log = Empty(maxHistory) with
        {
            Silences = snapshot.Silences.ToImmutableDictionary(s => s.Id, StringComparer.Ordinal),
        };
        foreach (var record in snapshot.Alerts)
        {
            log = log with { Alerts = log.Alerts.SetItem(record.Alert.Id, record) };
            log = record.Finished
                ? log with { History = log.History.Enqueue(record.Alert.Id), HistoryCount = log.HistoryCount + 1 }
                : log with { Outbox = log.Outbox.Add(record.Alert.Id) };
        }

        return log;
    }

    private AlertLog Finish(AlertRecord record)
    {
        var alerts = Alerts.SetItem(record.Alert.Id, record);
        var history = History.Enqueue(record.Alert.Id);
        var count = HistoryCount + 1;
        while (count > MaxHistory)
        {
            history = history.Dequeue(out var oldest);
            alerts = alerts.Remove(oldest);
            count--;
        }

        return this with { Alerts = alerts, Outbox = Outbox.Remove(record.Alert.Id), History = history, HistoryCount = count };
    }

    private static IReadOnlyList<DeliveryAttempt> Keep(IReadOnlyList<DeliveryAttempt> attempts, DeliveryAttempt next) =>
        attempts.Count < AttemptsKept ? [.. attempts, next] : [.. attempts.Skip(attempts.Count - AttemptsKept + 1), next];
}
