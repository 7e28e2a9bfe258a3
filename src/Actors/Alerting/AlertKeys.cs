using System.Security.Cryptography;
using System.Text;

namespace LogAggregator.Alerting;

/// <summary>
/// The one place alert keys are spelled. Level alerts key on agent + masked message pattern
/// (<see cref="Model.MessagePatterns.Mask"/>), so <c>timeout after 5012 ms</c> and <c>timeout after 733 ms</c> share one.
/// </summary>
public static class AlertKeys
{
    /// <summary>A masked message longer than this keys on its beginning: two messages that long differing only at the end are one incident.</summary>
    public const int MaxPatternLength = 200;

    public const string DailySummary = "daily-summary";

    public static string ForLevel(string agentKey, string maskedPattern) =>
        $"{agentKey}:{(maskedPattern.Length > MaxPatternLength ? maskedPattern[..MaxPatternLength] : maskedPattern)}";

    public static string ForPattern(string patternName, string agentKey) => $"pattern:{patternName}:{agentKey}";

    public static string ForSilentAgent(string agentKey) => $"silent:{agentKey}";

    /// <summary>
    /// The sharded entity's id for a key: bounded whatever the key's length (SQL journals cap persistence ids at 255
    /// characters) and free of characters a path or a journal might mind.
    /// </summary>
    public static string EntityId(string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 16));
}
