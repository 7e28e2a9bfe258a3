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
public sealed record AlertSample(string Id, DateTime Timestamp, string Message);
