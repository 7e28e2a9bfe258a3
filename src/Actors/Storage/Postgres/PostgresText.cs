using System.Text;

namespace LogAggregator.Storage.Postgres;

/// <summary>
/// PostgreSQL text cannot hold U+0000, which the contract stores exactly. Names (agent, source, marks) are kept
/// escaped: U+FFFF (a noncharacter, never seen in practice) followed by '0' for U+0000 and by U+FFFF for itself, so
/// equality and grouping work on the escaped text. Messages and metadata are searched by regex, so they are kept
/// with U+0000 turned into U+FFFF (one character for one, so a pattern means the same), and, only when they held
/// U+0000, once more escaped in a second column that reads return.
/// </summary>
internal static partial class PostgresText
{
    private const char Mark = '\uFFFF';

    public static string Encode(string text)
    {
        if (text.AsSpan().IndexOfAny('\0', Mark) < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\0' => builder.Append(Mark).Append('0'),
                Mark => builder.Append(Mark).Append(Mark),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }

    public static string Decode(string text)
    {
        if (!text.Contains(Mark))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == Mark && i + 1 < text.Length)
            {
                builder.Append(text[++i] == '0' ? '\0' : Mark);
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>The searched column's text: U+0000 as U+FFFF.</summary>
    public static string Searchable(string text) => text.Contains('\0') ? text.Replace('\0', Mark) : text;

    /// <summary>The exact column's text: null unless <see cref="Searchable"/> lost something.</summary>
    public static string? Exact(string text) => text.Contains('\0') ? Encode(text) : null;

    public static string Read(string searchable, string? exact) => exact is null ? searchable : Decode(exact);

    /// <summary>
    /// A .NET/RE2-style expression as PostgreSQL's ARE engine reads it: outside brackets <c>\b</c> and <c>\B</c> (word
    /// boundaries; ARE reads <c>\b</c> as backspace) become <c>\y</c> and <c>\Y</c>, <c>\z</c> becomes <c>\Z</c>; U+0000
    /// becomes U+FFFF as in the searched column. Led by <c>(?p)</c>, so that <c>.</c> does not match a newline (in ARE it
    /// does by default) while <c>^</c> and <c>$</c> still match only at the ends of the text; unless the expression
    /// leads with options of its own (ARE takes them only first), as <c>(?i)</c>.
    /// </summary>
    public static string Pattern(string expression)
    {
        var builder = new StringBuilder(expression.Length + 8);
        if (!LeadingOptions().IsMatch(expression))
        {
            builder.Append("(?p)");
        }

        var inBracket = false;
        for (var i = 0; i < expression.Length; i++)
        {
            var c = expression[i];
            if (c == '\\' && i + 1 < expression.Length)
            {
                var next = expression[++i];
                builder.Append('\\').Append(inBracket ? next : next switch { 'b' => 'y', 'B' => 'Y', 'z' => 'Z', _ => next });
                continue;
            }

            if (c == '[' && !inBracket)
            {
                inBracket = true;
                builder.Append(c);
                // A ']' right after '[' or '[^' is a member, not the end.
                if (i + 1 < expression.Length && expression[i + 1] == '^')
                {
                    builder.Append(expression[++i]);
                }

                if (i + 1 < expression.Length && expression[i + 1] == ']')
                {
                    builder.Append(expression[++i]);
                }

                continue;
            }

            if (c == ']' && inBracket)
            {
                inBracket = false;
            }

            builder.Append(c == '\0' ? Mark : c);
        }

        return builder.ToString();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\(\?[a-zA-Z]+\)")]
    private static partial System.Text.RegularExpressions.Regex LeadingOptions();
}
