using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LogAggregator.Model;

namespace LogAggregator.Web.Json;

/// <summary>Writes an entry in the contract's shape; metadata is written as the JSON the agent sent.</summary>
public sealed class StoredEntryConverter : JsonConverter<StoredEntry>
{
    public override StoredEntry Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("entries are read by JsonEntryReader");

    public override void Write(Utf8JsonWriter writer, StoredEntry value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        EntryJson.WriteFields(writer, value);
        writer.WriteEndObject();
    }
}

/// <summary>A search result: the entry's fields plus <c>_highlights</c>.</summary>
public sealed record SearchHit(StoredEntry Entry, IReadOnlyList<Highlight> Highlights);

public sealed record Highlight(string Field, int Start, int End, string Text);

public sealed class SearchHitConverter : JsonConverter<SearchHit>
{
    public override SearchHit Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException();

    public override void Write(Utf8JsonWriter writer, SearchHit value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        EntryJson.WriteFields(writer, value.Entry);
        writer.WriteStartArray("_highlights");
        foreach (var h in value.Highlights)
        {
            writer.WriteStartObject();
            writer.WriteString("field", h.Field);
            writer.WriteNumber("start", h.Start);
            writer.WriteNumber("end", h.End);
            writer.WriteString("text", h.Text);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}

public sealed class UtcDateTimeConverter : JsonConverter<DateTime>
{
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTime().ToUniversalTime();

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
        writer.WriteStringValue(EntryJson.FormatTimestamp(value));
}

public static class EntryJson
{
    public static string FormatTimestamp(DateTime value) =>
        DateTime.SpecifyKind(value, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    public static void WriteFields(Utf8JsonWriter writer, StoredEntry stored)
    {
        var e = stored.Entry;
        writer.WriteString("id", stored.Id);
        writer.WriteString("timestamp", FormatTimestamp(e.Timestamp));
        writer.WriteString("level", e.Level.Name());
        writer.WriteString("agent", e.Agent);
        writer.WriteString("message", e.Message);
        writer.WriteString("source", e.Source);
        writer.WritePropertyName("metadata");
        writer.WriteRawValue(string.IsNullOrEmpty(e.Metadata) ? LogEntry.EmptyMetadata : e.Metadata, skipInputValidation: true);
    }

    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        // Numbers are written as numbers and never read from strings, so the OpenAPI schemas say plainly "integer".
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new StoredEntryConverter());
        options.Converters.Add(new SearchHitConverter());
        options.Converters.Add(new UtcDateTimeConverter());
    }
}
