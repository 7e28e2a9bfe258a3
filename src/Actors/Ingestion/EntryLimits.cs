using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using LogAggregator.Model;

namespace LogAggregator.Ingestion;

/// <summary>Bounds that keep one runaway line or stack trace from exhausting memory.</summary>
public static class EntryLimits
{
    public const int MaxMessageLength = 1 << 20;

    private const string TruncatedOnly = """{"truncated":true}""";

    /// <summary>The entry with its message cut to <see cref="MaxMessageLength"/> and <c>"truncated": true</c> in its metadata.</summary>
    public static LogEntry Truncate(LogEntry entry) =>
        entry.Message.Length <= MaxMessageLength
            ? entry
            : entry with { Message = entry.Message[..MaxMessageLength], Metadata = MarkTruncated(entry.Metadata) };

    /// <summary>Adds <c>"truncated": true</c>, replacing any such member the sender had already set.</summary>
    public static string MarkTruncated(string metadata)
    {
        if (metadata == LogEntry.EmptyMetadata)
        {
            return TruncatedOnly;
        }

        // Rare path (a message over 1 MB), so a parse is affordable; it keeps the object free of duplicate keys.
        using var document = JsonDocument.Parse(metadata);
        var text = new StringBuilder(metadata.Length + 20).Append("{\"truncated\":true");
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.NameEquals("truncated"))
            {
                continue;
            }

            text.Append(",\"")
                .Append(Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8PropertyName(property)))
                .Append("\":")
                .Append(property.Value.GetRawText());
        }

        return text.Append('}').ToString();
    }
}
