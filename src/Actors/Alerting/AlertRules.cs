using System.Globalization;
using LogAggregator.Configuration;
using LogAggregator.Model;

namespace LogAggregator.Alerting;

/// <summary>
/// The rules of <c>log-aggregator.alerting</c> with the known patterns compiled: which key an entry counts toward,
/// and what a page decided for a key says. One instance per node (DI singleton), shared by the agent stores, the
/// catch-up and the threshold entities.
/// </summary>
public sealed class AlertRules(AlertingSettings settings)
{
    public AlertingSettings Settings { get; } = settings;

    public KnownPatterns Patterns { get; } = new(settings.Patterns);

    /// <summary>
    /// The key an entry counts toward, or null when it can never page. INFO and DEBUG return before anything is
    /// computed; a WARNING is only matched against the known patterns; only ERROR and above are masked.
    /// A known-pattern hit counts toward that pattern's key alone (one incident, one page).
    /// </summary>
    public AlertSubject? Classify(LogEntry entry) =>
        KeyOf(entry.Level, entry.Message, entry.AgentKey) is { } key ? SubjectOf(entry.Agent, key) : null;

    /// <summary>
    /// What <see cref="Classify"/> decides, without spelling the key: the known pattern hit, or the (cut) masked
    /// message of a level key. The hand-off groups a commit's entries by it and builds a subject once per key.
    /// </summary>
    internal PartialKey? KeyOf(Level level, string message, string agentKey)
    {
        if (level < Level.Warning)
        {
            return null;
        }

        if (Patterns.Count > 0 && Patterns.Match(message) is { } pattern)
        {
            return new PartialKey(agentKey, pattern.Name, IsPattern: true);
        }

        return level < Level.Error ? null : new PartialKey(agentKey, Truncate(MessagePatterns.Mask(message)), IsPattern: false);
    }

    internal static AlertSubject SubjectOf(string agent, PartialKey key) => key.IsPattern
        ? new AlertSubject(AlertKeys.ForPattern(key.Text, key.AgentKey), key.AgentKey, agent, key.Text, key.Text)
        : new AlertSubject(AlertKeys.ForLevel(key.AgentKey, key.Text), key.AgentKey, agent, null, key.Text);

    /// <summary>An entry older than its arrival by more than max-entry-age (a backlog) is stored but never pages.</summary>
    public bool TooOld(DateTime timestamp, DateTime arrival) => timestamp < arrival - Settings.MaxEntryAge;

    /// <summary>The alert a firing window becomes; its id is new, fixed here, and travels with every delivery.</summary>
    public Alert Decide(AlertSubject subject, AlertFiring firing, DateTime raisedAt)
    {
        Level level;
        string title;
        string reason;
        if (subject.PatternName is { } name && Patterns.Find(name) is { } pattern)
        {
            level = pattern.Level;
            title = $"[{level.Name()}] {subject.Agent}: {pattern.Title}";
            reason = firing.Count == 1
                ? $"known issue: {name}"
                : $"known issue: {name}, {firing.Count} occurrences within {Seconds(Settings.Window)} s";
        }
        else
        {
            level = firing.Level;
            title = $"[{level.Name()}] {subject.Agent}: {CultureInfo.InvariantCulture.TextInfo.ToTitleCase(level.Name().ToLowerInvariant())} Alert";
            reason = level >= Level.Critical
                ? $"{level.Name()} entry"
                : $"{firing.Count} errors within {Seconds(Settings.Window)} s";
        }

        return new Alert(
            Guid.NewGuid().ToString("N"),
            subject.Key,
            title,
            level,
            reason,
            subject.Agent,
            subject.Pattern,
            firing.Count,
            firing.FirstSeen,
            firing.LastSeen,
            raisedAt,
            firing.Samples,
            Link(subject, firing.FirstSeen, firing.LastSeen));
    }

    /// <summary>
    /// The web UI view of the incident: the agent, a regex that finds its messages (the known pattern's own, or the
    /// longest literal run of the masked message), and the time range of the occurrences (a second past the last).
    /// </summary>
    public string Link(AlertSubject subject, DateTime from, DateTime to)
    {
        var q = subject.PatternName is { } name && Patterns.Find(name) is not null
            ? Patterns.ExpressionFor(name)
            : KnownPatterns.EscapeLiteral(LongestLiteral(subject.Pattern ?? ""));
        return $"{Settings.PublicUrl.TrimEnd('/')}/?agent={Uri.EscapeDataString(subject.Agent)}&q={Uri.EscapeDataString(q)}"
            + $"&from={Uri.EscapeDataString(Iso(from))}&to={Uri.EscapeDataString(Iso(AlertWindow.Plus(to, TimeSpan.FromSeconds(1))))}";
    }

    public static string Iso(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The longest run of the masked message between placeholders: text every occurrence shares.</summary>
    internal static string LongestLiteral(string masked)
    {
        string[] placeholders = [MessagePatterns.Number, MessagePatterns.Hex, MessagePatterns.Uuid, MessagePatterns.Email, MessagePatterns.Ip, MessagePatterns.Quoted];
        var parts = masked.Split(placeholders, StringSplitOptions.None);
        return parts.Select(p => p.Trim()).MaxBy(p => p.Length) ?? "";
    }

    private static string Truncate(string masked) =>
        masked.Length > AlertKeys.MaxPatternLength ? masked[..AlertKeys.MaxPatternLength] : masked;

    private static string Seconds(TimeSpan span) => ((long)span.TotalSeconds).ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// What a key is about: for level keys the masked message (<paramref name="PatternName"/> null), for known patterns
/// the pattern's name in both. <paramref name="Agent"/> is as sent, for titles and links.
/// </summary>
public sealed record AlertSubject(string Key, string AgentKey, string Agent, string? PatternName, string? Pattern);

/// <summary>An alert key in parts: the agent and a known pattern's name, or the agent and its masked message.</summary>
internal readonly record struct PartialKey(string AgentKey, string Text, bool IsPattern);

/// <summary>What made a window fire: the occurrences it counted and the highest level among them.</summary>
public sealed record AlertFiring(long Count, DateTime FirstSeen, DateTime LastSeen, Level Level, IReadOnlyList<AlertSample> Samples);
