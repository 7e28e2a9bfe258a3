using System.Text.RegularExpressions;

namespace LogAggregator.Storage;

/// <summary>
/// A user's search text made safe: a valid regular expression is used as is, an invalid one is matched
/// literally. <see cref="Expression"/> is what a store matches, case-insensitively and in linear time (the
/// embedded store hands it to RE2); <see cref="Highlighter"/> runs it on .NET's non-backtracking engine, which
/// accepts only patterns that such engines can run in linear time.
/// </summary>
public sealed class SearchPattern
{
    private SearchPattern(string text, string expression, bool literal, Regex highlighter)
    {
        Text = text;
        Expression = expression;
        IsLiteral = literal;
        Highlighter = highlighter;
    }

    /// <summary>What the user typed.</summary>
    public string Text { get; }

    /// <summary>
    /// The regular expression to match case-insensitively: <see cref="Text"/> itself, or, when
    /// <see cref="IsLiteral"/>, the text with every punctuation mark escaped.
    /// </summary>
    public string Expression { get; }

    /// <summary>True when the text was not a valid regular expression and is matched as written.</summary>
    public bool IsLiteral { get; }

    public Regex Highlighter { get; }

    public static SearchPattern Parse(string text)
    {
        const RegexOptions options = RegexOptions.IgnoreCase | RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;
        try
        {
            var regex = new Regex(text, options, TimeSpan.FromSeconds(1));
            return new SearchPattern(text, text, false, regex);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            var escaped = EscapeLiteral(text);
            return new SearchPattern(text, escaped, true, new Regex(escaped, options));
        }
    }

    /// <summary>Backslash before every ASCII punctuation mark: an escape RE2, PostgreSQL and .NET read the same way.</summary>
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
