using System.Text;

namespace LogAggregator.Ingestion.Protocols;

/// <summary>Prometheus label sets as Loki's protobuf push carries them: <c>{name="value", other="a \"quoted\" one"}</c>.</summary>
public static class Labels
{
    public static List<(string Name, string Value)> Parse(string text, string field)
    {
        var labels = new List<(string, string)>();
        var span = text.AsSpan().Trim();
        if (span.IsEmpty)
        {
            return labels;
        }

        if (span[0] != '{' || span[^1] != '}')
        {
            throw Bad();
        }

        var i = 1;
        var end = span.Length - 1;
        while (true)
        {
            SkipSpaces(span, ref i, end);
            if (i == end)
            {
                return labels;
            }

            var nameStart = i;
            while (i < end && (char.IsAsciiLetterOrDigit(span[i]) || span[i] is '_' or '.' or ':'))
            {
                i++;
            }

            var name = span[nameStart..i].ToString();
            SkipSpaces(span, ref i, end);
            if (name.Length == 0 || i == end || span[i] != '=')
            {
                throw Bad();
            }

            i++;
            SkipSpaces(span, ref i, end);
            if (i == end || span[i] != '"')
            {
                throw Bad();
            }

            i++;
            var value = new StringBuilder();
            while (i < end && span[i] != '"')
            {
                if (span[i] == '\\' && i + 1 < end)
                {
                    i++;
                    value.Append(span[i] switch { 'n' => '\n', 't' => '\t', var c => c });
                }
                else
                {
                    value.Append(span[i]);
                }

                i++;
            }

            if (i == end)
            {
                throw Bad();
            }

            i++;
            labels.Add((name, value.ToString()));
            SkipSpaces(span, ref i, end);
            if (i < end && span[i] == ',')
            {
                i++;
            }
            else if (i != end)
            {
                throw Bad();
            }
        }

        ProtocolException Bad() => new(field, $"{field} must be a label set such as {{job=\"api\", level=\"info\"}}, got '{text}'");
    }

    private static void SkipSpaces(ReadOnlySpan<char> span, ref int i, int end)
    {
        while (i < end && char.IsWhiteSpace(span[i]))
        {
            i++;
        }
    }
}
