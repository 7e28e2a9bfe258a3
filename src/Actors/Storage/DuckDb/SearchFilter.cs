using System.Text;
using DuckDB.NET.Data;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// The match clause of a search. A literal becomes a case-insensitive substring test, which needs no regex
/// at all; a regex with a run of plain text every match must contain gets that substring test in front, so
/// RE2 only sees the rows that can match.
/// </summary>
internal static partial class SearchFilter
{
    private const int MinPrefilterLength = 3;

    public static string Clause(SearchPattern pattern, bool forceLiteral, DuckDBCommand command)
    {
        // Most entries carry no metadata ("{}"): unless the search matches that text itself, such rows skip the test.
        var metadata = MatchesEmptyMetadata(pattern, forceLiteral) ? "" : $"metadata <> '{Model.LogEntry.EmptyMetadata}' AND ";
        if (forceLiteral || pattern.IsLiteral || PlainText(pattern.Text))
        {
            if (IsAscii(pattern.Text))
            {
                var lit = LogRows.Text(command, "lit", pattern.Text.ToLowerInvariant());
                // Without letters case cannot matter, and lower() costs more than the search (126 against 200 ms on
                // 1.4M rows): the plain test.
                return HasLetters(pattern.Text)
                    ? $"(contains(lower(message), {lit}) OR ({metadata}contains(lower(metadata), {lit})))"
                    : $"(contains(message, {lit}) OR ({metadata}contains(metadata, {lit})))";
            }

            // Outside ASCII, DuckDB's lower() and RE2's case folding may disagree; let RE2 decide.
            var literalRe = LogRows.Text(command, "re", Re2(SearchPattern.EscapeLiteral(pattern.Text)));
            return $"(regexp_matches(message, {literalRe}) OR ({metadata}regexp_matches(metadata, {literalRe})))";
        }

        var re = LogRows.Text(command, "re", Re2(pattern.Expression));
        if (RequiredLiteral(pattern.Text) is { } literal)
        {
            var lit = LogRows.Text(command, "lit", literal.ToLowerInvariant());
            return $"((contains(lower(message), {lit}) AND regexp_matches(message, {re}))"
                + $" OR ({metadata}contains(lower(metadata), {lit}) AND regexp_matches(metadata, {re})))";
        }

        return $"(regexp_matches(message, {re}) OR ({metadata}regexp_matches(metadata, {re})))";
    }

    /// <summary>The expression as DuckDB's regexp_matches (RE2) reads it case-insensitively.</summary>
    public static string Re2(string expression) => "(?i)" + expression;

    private static bool MatchesEmptyMetadata(SearchPattern pattern, bool forceLiteral) =>
        forceLiteral
            ? Model.LogEntry.EmptyMetadata.Contains(pattern.Text, StringComparison.OrdinalIgnoreCase)
            : pattern.Highlighter.IsMatch(Model.LogEntry.EmptyMetadata);

    private static bool HasLetters(string text)
    {
        foreach (var c in text)
        {
            if (char.IsLetter(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Text every match contains, for <see cref="BigramIndex"/>; empty when unsure.</summary>
    public static IReadOnlyList<string> RequiredText(SearchPattern pattern, bool forceLiteral) =>
        forceLiteral || pattern.IsLiteral || PlainText(pattern.Text) ? [pattern.Text] : RequiredRuns(pattern.Text) ?? [];

    /// <summary>The longest ASCII run that any match must contain, or null when unsure.</summary>
    public static string? RequiredLiteral(string regex) =>
        RequiredRuns(regex)?.Where(r => r.Length >= MinPrefilterLength).MaxBy(r => r.Length);

    /// <summary>
    /// The ASCII runs that any match must contain, or null when unsure. Alternation and groups give up (a group
    /// may be optional), as do escapes that spell a character by number or name; a quantifier that allows zero
    /// drops the character before it.
    /// </summary>
    public static List<string>? RequiredRuns(string regex)
    {
        if (regex.Contains('|') || regex.Contains('(') || SpelledEscape().IsMatch(regex))
        {
            return null;
        }

        var runs = new List<string>();
        var run = new StringBuilder();
        for (var i = 0; i < regex.Length; i++)
        {
            var c = regex[i];
            if (c == '\\' && i + 1 < regex.Length && regex[i + 1] < 128 && !char.IsLetterOrDigit(regex[i + 1]))
            {
                run.Append(regex[++i]);
                continue;
            }

            if (c is '*' or '?' or '{')
            {
                if (run.Length > 0)
                {
                    run.Length--;
                }

                Flush();
                i = c == '{' ? SkipPast(regex, i, '}') : i;
                continue;
            }

            if (c == '+' || c >= 128 || !char.IsLetterOrDigit(c) && c is not (' ' or '-' or '_' or '/' or ':' or '@' or '=' or ',' or ';' or '\'' or '"' or '#' or '%' or '&' or '!' or '<' or '>'))
            {
                Flush();
                i = c == '[' ? SkipPast(regex, i, ']') : c == '\\' ? i + 1 : i;
                continue;
            }

            run.Append(c);
        }

        Flush();
        return runs;

        void Flush()
        {
            if (run.Length > 1)
            {
                runs.Add(run.ToString());
            }

            run.Clear();
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\\[xpPQuU0-9]")]
    private static partial System.Text.RegularExpressions.Regex SpelledEscape();

    private static bool PlainText(string text)
    {
        foreach (var c in text)
        {
            if (c is '\\' or '.' or '^' or '$' or '|' or '?' or '*' or '+' or '(' or ')' or '[' or ']' or '{' or '}')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAscii(string text) => Ascii.IsValid(text);

    private static int SkipPast(string text, int from, char close)
    {
        var end = text.IndexOf(close, from + 1);
        return end < 0 ? text.Length : end;
    }
}
