using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using LogAggregator.Model;
using static LogAggregator.Ingestion.MetadataWriter;

namespace LogAggregator.Ingestion;

/// <summary>
/// Turns one JSON object into a <see cref="LogEntry"/> (DESIGN.md §2), for POSTed entries and tailed JSON lines alike,
/// in a single <see cref="Utf8JsonReader"/> pass.
/// <para>
/// Fields: <c>timestamp</c> (ISO-8601, no zone = UTC, or Unix seconds/milliseconds), <c>level</c>, <c>agent</c>,
/// <c>message</c>, <c>source</c>, <c>metadata</c> (an object). Every other top-level field, a client's <c>id</c>
/// included (the server assigns ids), is kept in metadata under its own name. A JSON <c>null</c> counts as missing.
/// </para>
/// <para>
/// Posted entries are strict: a missing or non-string <c>message</c>, an unknown <c>level</c>, an unparseable
/// <c>timestamp</c>, a non-object <c>metadata</c> or a non-string <c>agent</c>/<c>source</c> is an error naming the field.
/// Tailed lines never fail once they are a JSON object: what cannot be used is kept in metadata as
/// <c>level_raw</c>, <c>timestamp_raw</c>, <c>agent_raw</c>, <c>source_raw</c> or <c>metadata_raw</c>, and a line without
/// a string message becomes its own message. A tailed line's source is always its file (DESIGN.md §2), so a
/// <c>source</c> field in it is kept in metadata like any unknown field.
/// </para>
/// </summary>
public static class JsonEntryReader
{
    private const int StackLimit = 512;

    public static JsonEntryResult ReadPosted(JsonElement element, string defaultAgent, string defaultSource, DateTime now) =>
        element.ValueKind == JsonValueKind.Object
            ? ReadPosted(JsonMarshal.GetRawUtf8Value(element), defaultAgent, defaultSource, now)
            : JsonEntryResult.Fail(JsonEntryResult.RootField, "the entry must be a JSON object");

    public static JsonEntryResult ReadPosted(ReadOnlySpan<byte> utf8Json, string defaultAgent, string defaultSource, DateTime now) =>
        TryReadPosted(utf8Json, defaultAgent, defaultSource, now, out var entry) ?? JsonEntryResult.Ok(entry!);

    /// <summary>
    /// As <see cref="ReadPosted(ReadOnlySpan{byte}, string, string, DateTime)"/>, without a result object for an
    /// accepted entry (a body holds tens of thousands): null with <paramref name="entry"/> set, or why it is refused.
    /// </summary>
    public static JsonEntryResult? TryReadPosted(
        ReadOnlySpan<byte> utf8Json, string defaultAgent, string defaultSource, DateTime now, out LogEntry? entry)
    {
        var failure = Read(utf8Json, null, strict: true, defaultAgent, defaultSource, now, out entry);
        return failure switch
        {
            Failure.None => null,
            Failure.NotAnObject => JsonEntryResult.Fail(JsonEntryResult.RootField, "the entry must be a JSON object"),
            Failure.InvalidJson => JsonEntryResult.Fail(JsonEntryResult.RootField, "the entry is not valid JSON"),
            Failure.Message => JsonEntryResult.Fail("message", "message is required and must be a string"),
            Failure.Level => JsonEntryResult.Fail("level", "level must be one of DEBUG, INFO, WARNING (or WARN), ERROR, CRITICAL, FATAL"),
            Failure.Timestamp => JsonEntryResult.Fail("timestamp", "timestamp must be an ISO-8601 date-time or a Unix time in seconds"),
            Failure.Metadata => JsonEntryResult.Fail("metadata", "metadata must be a JSON object"),
            Failure.Agent => JsonEntryResult.Fail("agent", "agent must be a string"),
            _ => JsonEntryResult.Fail("source", "source must be a string"),
        };
    }

    /// <summary>False only when the line is not a single, valid JSON object.</summary>
    public static bool TryReadTailed(string line, string fileAgent, string sourcePath, DateTime now, [NotNullWhen(true)] out LogEntry? entry)
    {
        byte[]? rented = null;
        var maxBytes = Encoding.UTF8.GetMaxByteCount(line.Length);
        var buffer = maxBytes <= StackLimit * 3 ? stackalloc byte[maxBytes] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var length = Encoding.UTF8.GetBytes(line, buffer);
            return Read(buffer[..length], line, strict: false, fileAgent, sourcePath, now, out entry) == Failure.None;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>False only when the line is not a single, valid JSON object.</summary>
    public static bool TryReadTailed(ReadOnlySpan<byte> utf8Line, string fileAgent, string sourcePath, DateTime now, [NotNullWhen(true)] out LogEntry? entry) =>
        Read(utf8Line, null, strict: false, fileAgent, sourcePath, now, out entry) == Failure.None;

    private enum Failure : byte
    {
        None,
        NotAnObject,
        InvalidJson,
        Message,
        Level,
        Timestamp,
        Metadata,
        Agent,
        Source,
    }

    private enum Field : byte
    {
        Unknown,
        Timestamp,
        Level,
        Agent,
        Message,
        Source,
        Metadata,
    }

    private static Failure Read(
        ReadOnlySpan<byte> json, string? line, bool strict, string defaultAgent, string defaultSource, DateTime now, out LogEntry? entry)
    {
        entry = null;
        var timestamp = now;
        var level = Level.Info;
        var agent = defaultAgent;
        var source = defaultSource;
        string? message = null;
        Range? metadata = null;
        Span<Member> annotations = stackalloc Member[5];
        var annotationCount = 0;
        Member[]? unknown = null;
        var unknownCount = 0;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Failure.NotAnObject;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var nameStart = (int)reader.TokenStartIndex;
                var nameLength = reader.ValueSpan.Length + 2;
                var field = reader.ValueIsEscaped ? Classify(Encoding.UTF8.GetBytes(ReadString(ref reader))) : Classify(reader.ValueSpan);
                reader.Read();
                var valueStart = (int)reader.TokenStartIndex;
                var token = reader.TokenType;
                if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }

                var valueEnd = (int)reader.BytesConsumed;
                var annotation = Annotation.None;
                switch (field)
                {
                    case Field.Timestamp when token == JsonTokenType.Null:
                        break;
                    case Field.Timestamp:
                        if (!TryGetTimestamp(ref reader, out timestamp))
                        {
                            if (strict)
                            {
                                return Failure.Timestamp;
                            }

                            timestamp = now;
                            annotation = Annotation.TimestampRaw;
                        }

                        break;
                    case Field.Level when token == JsonTokenType.Null:
                        break;
                    case Field.Level:
                        if (!TryGetLevel(ref reader, out level))
                        {
                            if (strict)
                            {
                                return Failure.Level;
                            }

                            annotation = Annotation.LevelRaw;
                        }

                        break;
                    case Field.Agent when token == JsonTokenType.String:
                        var posted = ReadRepeated(ref reader);
                        agent = string.IsNullOrWhiteSpace(posted) ? defaultAgent : posted;
                        break;
                    case Field.Agent when token != JsonTokenType.Null:
                        if (strict)
                        {
                            return Failure.Agent;
                        }

                        annotation = Annotation.AgentRaw;
                        break;
                    case Field.Source when !strict:
                        field = Field.Unknown;
                        break;
                    case Field.Source when token == JsonTokenType.String:
                        var given = ReadRepeated(ref reader);
                        source = string.IsNullOrWhiteSpace(given) ? defaultSource : given;
                        break;
                    case Field.Source when token != JsonTokenType.Null:
                        return Failure.Source;
                    case Field.Message when token == JsonTokenType.String:
                        message = ReadString(ref reader);
                        break;
                    case Field.Message when token != JsonTokenType.Null:
                        if (strict)
                        {
                            return Failure.Message;
                        }

                        break;
                    case Field.Metadata when token == JsonTokenType.StartObject:
                        metadata = valueStart..valueEnd;
                        break;
                    case Field.Metadata when token != JsonTokenType.Null:
                        if (strict)
                        {
                            return Failure.Metadata;
                        }

                        annotation = Annotation.MetadataRaw;
                        break;
                }

                if (annotation != Annotation.None)
                {
                    annotations[annotationCount++] = Member.Annotated(annotation, valueStart, valueEnd);
                    if (annotationCount == annotations.Length)
                    {
                        // Only a line repeating a bad field five times gets here; keep the latest ones.
                        annotationCount--;
                    }
                }
                else if (field == Field.Unknown)
                {
                    unknown ??= ArrayPool<Member>.Shared.Rent(8);
                    if (unknownCount == unknown.Length)
                    {
                        var larger = ArrayPool<Member>.Shared.Rent(unknown.Length * 2);
                        unknown.AsSpan().CopyTo(larger);
                        ArrayPool<Member>.Shared.Return(unknown);
                        unknown = larger;
                    }

                    unknown[unknownCount++] = Member.Raw(nameStart, nameLength, valueStart, valueEnd);
                }
            }

            // A root object followed by anything but whitespace makes this throw.
            reader.Read();

            if (message is null)
            {
                if (strict)
                {
                    return Failure.Message;
                }

                message = line ?? Encoding.UTF8.GetString(json);
            }

            var metadataText = annotationCount == 0 && unknownCount == 0
                ? metadata is { } range ? FromObject(json[range]) : LogEntry.EmptyMetadata
                : Merge(json, annotations[..annotationCount], metadata, unknown.AsSpan(0, unknownCount));
            metadataText = ReplaceLoneSurrogateEscapes(metadataText);
            entry = EntryLimits.Truncate(new LogEntry(timestamp, level, agent, message, source, metadataText));
            return Failure.None;
        }
        catch (JsonException)
        {
            return Failure.InvalidJson;
        }
        catch (InvalidOperationException)
        {
            // Strings that are not valid UTF-8 surface here rather than as a JsonException.
            return Failure.InvalidJson;
        }
        finally
        {
            if (unknown is not null)
            {
                ArrayPool<Member>.Shared.Return(unknown);
            }
        }
    }

    /// <summary>
    /// The string value; an escaped lone surrogate (<c>"\ud800"</c>), which the reader refuses to decode, becomes
    /// U+FFFD as invalid UTF-8 does, rather than failing the whole entry.
    /// </summary>
    private static string ReadString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException) when (reader.ValueIsEscaped)
        {
            var escaped = Encoding.UTF8.GetString(reader.ValueSpan);
            using var document = JsonDocument.Parse("\"" + ReplaceLoneSurrogateEscapes(escaped) + "\"");
            return document.RootElement.GetString()!;
        }
    }

    /// <summary>An agent or source: the same few values on every line, so one string each (<see cref="InternedText"/>).</summary>
    private static string ReadRepeated(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            return ReadString(ref reader);
        }

        var raw = reader.ValueSpan;
        if (InternedText.TryGet(raw, out var known))
        {
            return known;
        }

        // Decoded by the reader, which refuses invalid UTF-8, as before; only text it accepted is remembered.
        var text = ReadString(ref reader);
        InternedText.Remember(raw, text);
        return text;
    }

    /// <summary>
    /// JSON text with every <c>\uXXXX</c> escape of a surrogate that is not part of a pair replaced by <c>\ufffd</c>,
    /// so metadata, kept as the client's own JSON text, never holds what a JSON reader cannot decode.
    /// </summary>
    internal static string ReplaceLoneSurrogateEscapes(string json)
    {
        if (json.IndexOf("\\u", StringComparison.Ordinal) < 0)
        {
            return json;
        }

        StringBuilder? fixedText = null;
        var copied = 0;
        for (var i = 0; i < json.Length; i++)
        {
            if (json[i] != '\\')
            {
                continue;
            }

            if (!IsSurrogateEscape(json, i, out var unit))
            {
                i++; // an escape of another kind: skip the escaped character (it may be a backslash)
                continue;
            }

            var paired = char.IsHighSurrogate(unit) && IsSurrogateEscape(json, i + 6, out var next) && char.IsLowSurrogate(next);
            if (paired)
            {
                i += 11;
                continue;
            }

            fixedText ??= new StringBuilder(json.Length);
            fixedText.Append(json, copied, i - copied).Append("\\ufffd");
            copied = i + 6;
            i += 5;
        }

        return fixedText is null ? json : fixedText.Append(json, copied, json.Length - copied).ToString();
    }

    private static bool IsSurrogateEscape(string json, int at, out char unit)
    {
        unit = default;
        if (at + 6 > json.Length || json[at] != '\\' || json[at + 1] != 'u'
            || !ushort.TryParse(json.AsSpan(at + 2, 4), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var value))
        {
            return false;
        }

        unit = (char)value;
        return char.IsSurrogate(unit);
    }

    private static Field Classify(ReadOnlySpan<byte> name) => name.Length switch
    {
        5 when name.SequenceEqual("level"u8) => Field.Level,
        5 when name.SequenceEqual("agent"u8) => Field.Agent,
        6 when name.SequenceEqual("source"u8) => Field.Source,
        7 when name.SequenceEqual("message"u8) => Field.Message,
        8 when name.SequenceEqual("metadata"u8) => Field.Metadata,
        9 when name.SequenceEqual("timestamp"u8) => Field.Timestamp,
        _ => Field.Unknown,
    };

    private static bool TryGetTimestamp(ref Utf8JsonReader reader, out DateTime utc)
    {
        utc = default;
        if (reader.TokenType == JsonTokenType.Number)
        {
            return reader.TryGetInt64(out var whole)
                ? IsoTimestamps.TryFromUnix(whole, out utc)
                : reader.TryGetDouble(out var unix) && IsoTimestamps.TryFromUnix(unix, out utc);
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        Span<char> chars = stackalloc char[40];
        return TryGetShortAscii(ref reader, chars, out var length) && IsoTimestamps.TryParse(chars[..length], out utc);
    }

    private static bool TryGetLevel(ref Utf8JsonReader reader, out Level level)
    {
        level = Level.Info;
        Span<char> chars = stackalloc char[16];
        return reader.TokenType == JsonTokenType.String
            && TryGetShortAscii(ref reader, chars, out var length)
            && Levels.TryParse(chars[..length], out level);
    }

    /// <summary>Timestamps and levels are short ASCII; anything else cannot be one and needs no decoding.</summary>
    private static bool TryGetShortAscii(ref Utf8JsonReader reader, scoped Span<char> chars, out int length)
    {
        length = 0;
        if (reader.ValueIsEscaped)
        {
            var text = reader.GetString()!;
            if (text.Length > chars.Length)
            {
                return false;
            }

            text.CopyTo(chars);
            length = text.Length;
            return true;
        }

        var raw = reader.ValueSpan;
        if (raw.Length > chars.Length)
        {
            return false;
        }

        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] > 127)
            {
                return false;
            }

            chars[i] = (char)raw[i];
        }

        length = raw.Length;
        return true;
    }
}
