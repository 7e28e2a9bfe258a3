using LogAggregator.Model;

namespace LogAggregator.Alerting;

/// <summary>
/// One alert as decided: what the page says, what <c>GET /api/alerts</c> lists, and what the outbox keeps until
/// HERMES has it. <see cref="Id"/> is fixed when the alert is decided and travels in the page's metadata, so a
/// delivery repeated after a crash can be recognised and is never sent twice by us.
/// </summary>
/// <param name="Key">The alert key: <c>{AGENT}:{masked message pattern}</c> for level alerts (see <see cref="AlertKeys"/>),
/// <c>pattern:{name}:{AGENT}</c> for known patterns, <c>silent:{AGENT}</c> and <c>daily-summary</c> for scheduled checks.</param>
/// <param name="Title">E.g. <c>[ERROR] CERBERUS: Error Alert</c>.</param>
/// <param name="Reason">Why it fired, in words: "5 errors within 300 s", "CRITICAL entry", "known issue: database_connection".</param>
/// <param name="Pattern">The masked message pattern, or the known pattern's name; null for scheduled checks.</param>
/// <param name="Count">Occurrences in the window when it fired.</param>
/// <param name="Link">The web UI view of the incident.</param>
public sealed record Alert(
    string Id,
    string Key,
    string Title,
    Level Level,
    string Reason,
    string Agent,
    string? Pattern,
    long Count,
    DateTime FirstSeen,
    DateTime LastSeen,
    DateTime RaisedAt,
    IReadOnlyList<AlertSample> Samples,
    string Link);

/// <summary>An entry shown in a page: enough to act on without opening a terminal.</summary>
public sealed record AlertSample(string Id, DateTime Timestamp, string Message)
{
    /// <summary>
    /// A sample's message is cut here (a page is read on a phone; the id and the link lead to the whole entry).
    /// Uncut, five 64 KiB messages per alert would be 320 KiB in every page, in the decider's journal and in the
    /// notifier's history of 10,000 alerts, which its snapshots rewrite.
    /// </summary>
    public const int MaxMessageLength = 1000;

    /// <summary>The sample of an entry: its message cut to <see cref="MaxMessageLength"/> characters and "…".</summary>
    public static AlertSample Of(string id, DateTime timestamp, string message)
    {
        if (message.Length <= MaxMessageLength)
        {
            return new AlertSample(id, timestamp, message);
        }

        // Never half a surrogate pair.
        var cut = char.IsHighSurrogate(message[MaxMessageLength - 1]) ? MaxMessageLength - 1 : MaxMessageLength;
        return new AlertSample(id, timestamp, string.Concat(message.AsSpan(0, cut), "…"));
    }
}
