using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LogAggregator.Ingestion.Protocols;

/// <summary>
/// Renders a Serilog message template (<c>Hello {Name}, took {Elapsed:0.00} ms, {@Order} {$Thing} {{literal}}</c>)
/// from an event's properties as Seq shows it: strings without quotes, structured values as JSON, a format
/// specifier applied to numbers and dates (or the sender's own rendering, CLEF's <c>@r</c>, when it sent one),
/// and a token naming no property left as written.
/// </summary>
public static class MessageTemplates
{
    public delegate bool PropertyLookup(string name, out JsonElement value);

    public static string Render(string template, PropertyLookup properties, IReadOnlyList<string>? renderings = null)
    {
        var text = new StringBuilder(template.Length + 32);
        var formatted = 0;
        var i = 0;
        while (i < template.Length)
        {
            var c = template[i];
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{')
            {
                text.Append('{');
                i += 2;
                continue;
            }

            if (c == '}' && i + 1 < template.Length && template[i + 1] == '}')
            {
                text.Append('}');
                i += 2;
                continue;
            }

            var close = c == '{' ? template.IndexOf('}', i + 1) : -1;
            if (close < 0)
            {
                text.Append(c);
                i++;
                continue;
            }

            var token = template.AsSpan(i + 1, close - i - 1);
            var raw = template.AsSpan(i, close - i + 1);
            i = close + 1;
            if (token.Length > 0 && token[0] is '@' or '$')
            {
                token = token[1..];
            }

            var colon = token.IndexOf(':');
            var format = colon < 0 ? null : token[(colon + 1)..].ToString();
            var name = colon < 0 ? token : token[..colon];
            var comma = name.IndexOf(',');
            var alignment = comma < 0 ? 0 : int.TryParse(name[(comma + 1)..], CultureInfo.InvariantCulture, out var a) ? a : 0;
            name = comma < 0 ? name : name[..comma];
            if (!IsName(name))
            {
                text.Append(raw);
                continue;
            }

            if (format is not null && renderings is not null && formatted < renderings.Count)
            {
                // CLEF's @r holds the renderings of the tokens with a format, in template order.
                Align(text, renderings[formatted++], alignment);
                continue;
            }

            if (format is not null)
            {
                formatted++;
            }

            if (!properties(name.ToString(), out var value))
            {
                text.Append(raw);
                continue;
            }

            Align(text, Value(value, format), alignment);
        }

        return text.ToString();
    }

    private static bool IsName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    private static string Value(JsonElement value, string? format)
    {
        if (format is not null)
        {
            if (value.ValueKind == JsonValueKind.Number)
            {
                try
                {
                    return value.TryGetInt64(out var whole)
                        ? whole.ToString(format, CultureInfo.InvariantCulture)
                        : value.GetDouble().ToString(format, CultureInfo.InvariantCulture);
                }
                catch (FormatException)
                {
                    return value.GetRawText();
                }
            }

            if (value.ValueKind == JsonValueKind.String && format != "l"
                && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var date))
            {
                try
                {
                    return date.ToString(format, CultureInfo.InvariantCulture);
                }
                catch (FormatException)
                {
                }
            }
        }

        return JsonStrings.Text(value);
    }

    private static void Align(StringBuilder text, string value, int alignment)
    {
        var pad = Math.Abs(alignment) - value.Length;
        if (pad > 0 && alignment > 0)
        {
            text.Append(' ', pad);
        }

        text.Append(value);
        if (pad > 0 && alignment < 0)
        {
            text.Append(' ', pad);
        }
    }
}
