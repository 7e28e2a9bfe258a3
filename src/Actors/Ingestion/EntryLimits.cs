using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using LogAggregator.Model;

namespace LogAggregator.Ingestion;

/// <summary>
/// Bounds that keep one runaway line, stack trace or attribute set from exhausting memory. Both are in characters and
/// keep a value under 192 KiB of UTF-8 (three bytes a character at most), below DuckDB's 256 KiB block: a longer
/// string gets a buffer of its own, and a day file holding more such strings than its memory limit could no longer
/// checkpoint (every commit then re-opened the file, and queries failed in between; docs/BENCHMARKS.md "Floods").
/// </summary>
public static class EntryLimits
{
    public const int MaxMessageLength = 64 * 1024;

    public const int MaxMetadataLength = 64 * 1024;

    private const string TruncatedOnly = """{"truncated":true}""";

    /// <summary>What metadata over <see cref="MaxMetadataLength"/> becomes: it cannot be cut and stay JSON.</summary>
    private const string MetadataDropped = """{"truncated":true,"metadata_dropped":true}""";

    /// <summary>
    /// The entry with its message cut to <see cref="MaxMessageLength"/> and <c>"truncated": true</c> in its metadata;
    /// metadata over <see cref="MaxMetadataLength"/> is replaced by <c>{"truncated": true, "metadata_dropped": true}</c>.
    /// </summary>
    public static LogEntry Truncate(LogEntry entry)
    {
        var message = entry.Message.Length <= MaxMessageLength ? entry.Message : entry.Message[..MaxMessageLength];
        if (entry.Metadata.Length > MaxMetadataLength)
        {
            return entry with { Message = message, Metadata = MetadataDropped };
        }

        return ReferenceEquals(message, entry.Message) ? entry : entry with { Message = message, Metadata = MarkTruncated(entry.Metadata) };
    }

    /// <summary>Adds <c>"truncated": true</c>, replacing any such member the sender had already set.</summary>
    public static string MarkTruncated(string metadata)
    {
        if (metadata == LogEntry.EmptyMetadata)
        {
            return TruncatedOnly;
        }

        // The member added below ("truncated":true, 17 characters) must not take the metadata past its own limit.
        if (metadata.Length > MaxMetadataLength - 20)
        {
            return MetadataDropped;
        }

        // Rare path (a message over the limit), so a parse is affordable; it keeps the object free of duplicate keys.
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
