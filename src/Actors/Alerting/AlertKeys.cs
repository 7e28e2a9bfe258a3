using System.Collections.Concurrent;
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
    /// <remarks>
    /// The shard region and the shard each ask for it on every message to the key, so the hashes of recent keys are
    /// kept (up to <see cref="RememberedEntityIds"/>, then forgotten all at once and computed again).
    /// </remarks>
    public static string EntityId(string key)
    {
        if (EntityIds.TryGetValue(key, out var id))
        {
            return id;
        }

        id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 16));
        if (EntityIds.Count >= RememberedEntityIds)
        {
            EntityIds.Clear();
        }

        EntityIds.TryAdd(key, id);
        return id;
    }

    private const int RememberedEntityIds = 50_000;

    private static readonly ConcurrentDictionary<string, string> EntityIds = new(StringComparer.Ordinal);
}
