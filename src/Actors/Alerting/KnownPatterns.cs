using System.Buffers;
using System.Text.RegularExpressions;
using LogAggregator.Configuration;
using LogAggregator.Model;

namespace LogAggregator.Alerting;

/// <summary>
/// The known issue patterns of <c>log-aggregator.alerting.patterns</c>, compiled once: each becomes one
/// case-insensitive, linear-time regex (its keywords joined as whole words, or its own regex). The first pattern,
/// in configured order, that an entry's message hits is the one it counts toward. Every WARNING and above is
/// checked, and most hit nothing. When every pattern is made of (ASCII) keywords, a message holding none of their
/// first words anywhere cannot match and is answered by one vectorized search; otherwise one regex of all patterns'
/// alternatives answers in one pass. Only a message that passes is tried against each pattern in turn.
/// </summary>
public sealed class KnownPatterns
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

    private readonly (KnownPatternSettings Settings, Regex Regex, string Expression)[] _patterns;
    private readonly Regex? _any;
    private readonly SearchValues<string>? _keywords;

    public KnownPatterns(IReadOnlyList<KnownPatternSettings> patterns)
    {
        _patterns = patterns.Select(p =>
        {
            var expression = ExpressionOf(p);
            return (p, new Regex(expression, Options), expression);
        }).ToArray();
        _any = _patterns.Length > 1 ? new Regex(string.Join("|", _patterns.Select(p => $"(?:{p.Expression})")), Options) : null;
        var firstWords = patterns.All(p => p.Regex is null)
            ? patterns.SelectMany(p => p.Keywords).Select(k => k.Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "").ToList()
            : null;
        if (firstWords is { Count: > 0 } && firstWords.All(w => w.Length > 0 && w.All(char.IsAscii)))
        {
            _keywords = SearchValues.Create(firstWords.Distinct(StringComparer.OrdinalIgnoreCase).ToArray(), StringComparison.OrdinalIgnoreCase);
        }
    }

    public static readonly KnownPatterns None = new([]);

    public int Count => _patterns.Length;

    /// <summary>The pattern this message hits, or null. Only WARNING and above are ever checked.</summary>
    public KnownPatternSettings? Match(string message)
    {
        if (_keywords is not null && message.AsSpan().IndexOfAny(_keywords) < 0)
        {
            return null;
        }

        if (_any is not null && !_any.IsMatch(message))
        {
            return null;
        }

        foreach (var (settings, regex, _) in _patterns)
        {
            if (regex.IsMatch(message))
            {
                return settings;
            }
        }

        return null;
    }

    public KnownPatternSettings? Find(string name) => _patterns.FirstOrDefault(p => p.Settings.Name == name).Settings;

    /// <summary>The regex a pattern matches with (no inline flags), also what the page's link searches for.</summary>
    public string ExpressionFor(string name) => _patterns.First(p => p.Settings.Name == name).Expression;

    /// <summary>
    /// Keywords as whole words: <c>\b(?:connection\s+refused|timeout)\b</c>. A keyword starting or ending with a
    /// non-word character gets no boundary on that side, where <c>\b</c> would demand a word character next to it.
    /// </summary>
    public static string ExpressionOf(KnownPatternSettings pattern)
    {
        if (pattern.Regex is { } regex)
        {
            return regex;
        }

        var alternatives = pattern.Keywords.Select(k =>
        {
            var words = k.Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(EscapeLiteral);
            var body = string.Join(@"\s+", words);
            var trimmed = k.Trim();
            var start = trimmed.Length > 0 && IsWord(trimmed[0]) ? @"\b" : "";
            var end = trimmed.Length > 0 && IsWord(trimmed[^1]) ? @"\b" : "";
            return start + body + end;
        });
        return $"(?:{string.Join("|", alternatives)})";
    }

    /// <summary>
    /// Escapes only regex metacharacters, so the expression reads the same to .NET, to RE2 (DuckDB) and to
    /// PostgreSQL, which all accept a backslash before punctuation.
    /// </summary>
    public static string EscapeLiteral(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (@"\.^$|?*+()[]{}/#".Contains(c))
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private static bool IsWord(char c) => char.IsLetterOrDigit(c) || c == '_';
}
