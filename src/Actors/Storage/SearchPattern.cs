using System.Text.RegularExpressions;

namespace LogAggregator.Storage;

/// <summary>
/// A user's search text made safe: a valid regular expression is used as is, an invalid one is matched
/// literally. Both matchers run in linear time: the store hands <see cref="Re2"/> to DuckDB's RE2 engine,
/// and <see cref="Highlighter"/> uses .NET's non-backtracking engine, which accepts the same subset.
/// </summary>
public sealed class SearchPattern
{
    private SearchPattern(string text, string re2, bool literal, Regex highlighter)
    {
        Text = text;
        Re2 = re2;
        IsLiteral = literal;
        Highlighter = highlighter;
    }

    /// <summary>What the user typed.</summary>
    public string Text { get; }

    /// <summary>The pattern for RE2, case-insensitive.</summary>
    public string Re2 { get; }

    /// <summary>True when the text was not a valid regular expression and is matched as written.</summary>
    public bool IsLiteral { get; }

    public Regex Highlighter { get; }

    public static SearchPattern Parse(string text)
    {
        const RegexOptions options = RegexOptions.IgnoreCase | RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;
        try
        {
            var regex = new Regex(text, options, TimeSpan.FromSeconds(1));
            return new SearchPattern(text, "(?i)" + text, false, regex);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            var escaped = EscapeLiteral(text);
            return new SearchPattern(text, "(?i)" + escaped, true, new Regex(escaped, options));
        }
    }

    /// <summary>Backslash before every ASCII punctuation mark: an escape RE2 and .NET read the same way.</summary>
    public static string EscapeLiteral(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c < 128 && char.IsPunctuation(c) || c is '$' or '^' or '+' or '|' or '<' or '>' or '=' or '`' or '~')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
