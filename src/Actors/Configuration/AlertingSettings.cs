using LogAggregator.Model;

namespace LogAggregator.Configuration;

/// <summary>The rules of DESIGN.md section 6, read from <c>log-aggregator.alerting</c> (every knob documented there).</summary>
/// <param name="Enabled">Off: entries are stored as always and nothing is evaluated or sent.</param>
/// <param name="PublicUrl">Where operators reach the web UI; the link in every page starts with it.</param>
/// <param name="Window">ERROR entries of one key count toward the threshold while their timestamps lie within this window.</param>
/// <param name="ErrorThreshold">The occurrence within <paramref name="Window"/> that raises an ERROR alert (the 5th by default).</param>
/// <param name="Cooldown">After an alert for a key, no second alert for that key for this long.</param>
/// <param name="MaxEntryAge">An entry whose timestamp is older than its arrival by more than this is stored but never pages.</param>
/// <param name="CatchUp">
/// At start, alert-worthy entries that arrived this recently are handed to alerting again, so an entry acknowledged
/// just before a crash still counts; occurrences are told apart by entry id, so nothing counts twice.
/// </param>
/// <param name="Samples">Sample entries an alert carries.</param>
/// <param name="HandOffLinger">
/// A node's <see cref="Alerting.AlertIntake"/> holds what the commits hand over until none came for this long, then
/// classifies and merges it per key for the deciders; zero hands each commit's on at once.
/// </param>
/// <param name="HandOffMaxLinger">
/// While commits keep handing over (an error storm), the intake holds at most this long before it passes on what it
/// holds: the most a page waits for the storm's commits. At least <paramref name="HandOffLinger"/>.
/// </param>
public sealed record AlertingSettings(
    bool Enabled,
    string PublicUrl,
    TimeSpan Window,
    int ErrorThreshold,
    TimeSpan Cooldown,
    TimeSpan MaxEntryAge,
    TimeSpan CatchUp,
    int Samples,
    TimeSpan HandOffLinger,
    TimeSpan HandOffMaxLinger,
    IReadOnlyList<KnownPatternSettings> Patterns,
    AlertDeliverySettings Delivery,
    DailySummarySettings DailySummary,
    SilentAgentSettings SilentAgents);

/// <summary>
/// A known issue: <paramref name="Keywords"/> match as whole words (case-insensitive), or <paramref name="Regex"/>
/// (case-insensitive, linear time) when given. Checked on WARNING and above; key <c>pattern:{name}:{agent}</c>.
/// </summary>
/// <param name="Threshold">Occurrences within the window that raise the alert; 1 = at once.</param>
public sealed record KnownPatternSettings(string Name, IReadOnlyList<string> Keywords, string? Regex, Level Level, string Title, int Threshold);

/// <param name="RequestTimeout">One HTTP request to HERMES.</param>
/// <param name="MinBackoff">First wait after HERMES could not be reached; doubles up to <paramref name="MaxBackoff"/>.</param>
public sealed record AlertDeliverySettings(TimeSpan RequestTimeout, TimeSpan MinBackoff, TimeSpan MaxBackoff);

/// <param name="At">UTC time of day the summary of the last 24 h is sent.</param>
public sealed record DailySummarySettings(bool Enabled, TimeOnly At);

/// <param name="After">An agent that logged within <paramref name="Lookback"/> and then nothing for this long is silent.</param>
public sealed record SilentAgentSettings(bool Enabled, TimeSpan After, TimeSpan Lookback, TimeSpan CheckInterval);
