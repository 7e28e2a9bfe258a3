using System.Globalization;

namespace LogAggregator.Alerting;

/// <summary>
/// What a silence holds back. Every field given must match (an agent and a pattern: that pattern from that agent);
/// at least one is given. Agent and pattern compare case-insensitively, the key exactly.
/// </summary>
/// <param name="Pattern">A known pattern's name (<c>database_connection</c>) or a masked message pattern.</param>
public sealed record SilenceMatcher(string? Agent, string? Key, string? Pattern)
{
    public bool IsEmpty => string.IsNullOrWhiteSpace(Agent) && string.IsNullOrWhiteSpace(Key) && string.IsNullOrWhiteSpace(Pattern);

    public bool Matches(Alert alert) =>
        !IsEmpty
        && (string.IsNullOrWhiteSpace(Agent) || string.Equals(Agent.Trim(), alert.Agent, StringComparison.OrdinalIgnoreCase))
        && (string.IsNullOrWhiteSpace(Key) || string.Equals(Key, alert.Key, StringComparison.Ordinal))
        && (string.IsNullOrWhiteSpace(Pattern) || string.Equals(Pattern.Trim(), alert.Pattern, StringComparison.OrdinalIgnoreCase));
}

/// <summary>An alert matching <see cref="Matcher"/> between <see cref="StartsAt"/> and <see cref="EndsAt"/> is recorded as silenced, not sent.</summary>
public sealed record Silence(string Id, SilenceMatcher Matcher, DateTime StartsAt, DateTime EndsAt, string Comment)
{
    public bool IsActive(DateTime now) => StartsAt <= now && now < EndsAt;
}

/// <summary>Silence durations as operators write them: <c>30m</c>, <c>2h</c>, <c>1d</c>, <c>90s</c>, or plain seconds.</summary>
public static class SilenceDurations
{
    /// <summary>A year: longer than that is a rule change, not a silence.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(366);

    /// <summary>False with the reason when <paramref name="text"/> is no positive duration up to <see cref="Max"/>.</summary>
    public static bool TryParse(string? text, out TimeSpan duration, out string error)
    {
        duration = TimeSpan.Zero;
        error = "";
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
        {
            error = "duration is required (e.g. \"30m\", \"2h\" or seconds)";
            return false;
        }

        var unit = char.ToLowerInvariant(value[^1]);
        var scale = unit switch
        {
            's' => 1d,
            'm' => 60d,
            'h' => 3600d,
            'd' => 86400d,
            _ => 0d,
        };
        var number = scale == 0 ? value : value[..^1].Trim();
        if (scale == 0)
        {
            scale = 1;
        }

        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var amount)
            || !double.IsFinite(amount))
        {
            error = $"'{value}' is not a duration; use e.g. \"30m\", \"2h\", \"1d\" or a number of seconds";
            return false;
        }

        if (amount <= 0)
        {
            error = $"duration must be positive, got '{value}'";
            return false;
        }

        var seconds = amount * scale;
        if (seconds > Max.TotalSeconds)
        {
            error = $"duration must be at most {Max.TotalDays:0} days, got '{value}'";
            return false;
        }

        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
