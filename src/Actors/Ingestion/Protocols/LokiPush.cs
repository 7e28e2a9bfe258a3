using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using LogAggregator.Model;
using Loki.Proto;

namespace LogAggregator.Ingestion.Protocols;

/// <summary>
/// Loki's push API (<c>POST /loki/api/v1/push</c>) to entries. The agent is the first of the stream labels
/// <c>agent</c>, <c>service_name</c>, <c>job</c>; the level is the <c>level</c> label when it is one of ours, else the
/// line's own (read with the tailed-line rules of <see cref="LogLineParser"/>); the message is the line as sent;
/// the other labels and the entry's structured metadata go to metadata (structured metadata wins a name).
/// </summary>
public static class LokiPush
{
    public const string Source = "loki";

    private static readonly string[] AgentLabels = ["agent", "service_name", "job"];

    /// <summary>The body of <c>application/x-protobuf</c>: a snappy block (not framed) holding a PushRequest.</summary>
    public static PushRequest ParseProtobuf(ReadOnlySpan<byte> snappy, long maxSize)
    {
        byte[] raw;
        try
        {
            var length = Snappier.Snappy.GetUncompressedLength(snappy);
            if (length > maxSize)
            {
                throw new ProtocolSizeException(length, maxSize);
            }

            raw = Snappier.Snappy.DecompressToArray(snappy);
        }
        catch (Exception e) when (e is InvalidDataException or OverflowException or ArgumentException)
        {
            // Snappier reads a length announced past what an array holds as an overflow (found by fuzzing).
            throw new ProtocolException("body", $"not a snappy-compressed (block format) Loki PushRequest: {e.Message}");
        }

        try
        {
            return PushRequest.Parser.ParseFrom(raw);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ProtocolException("body", $"not a Loki PushRequest in protobuf: {e.Message}");
        }
    }

    public static IReadOnlyList<LogEntry> Decode(PushRequest request, DateTime now, int maxAgentLength)
    {
        var entries = new List<LogEntry>(request.Streams.Sum(s => s.Entries.Count));
        var metadata = new MetadataBuilder();
        for (var s = 0; s < request.Streams.Count; s++)
        {
            var stream = request.Streams[s];
            var labels = Labels.Parse(stream.Labels, $"streams[{s}].labels");
            var header = StreamHeader.Of(labels, maxAgentLength, $"streams[{s}]");
            var labelsOnly = header.LabelMetadata(metadata);
            foreach (var entry in stream.Entries)
            {
                var timestamp = entry.Timestamp is { } ts ? FromUnixNanos(ts.Seconds, ts.Nanos, $"streams[{s}] timestamp") : now;
                var text = entry.StructuredMetadata.Count == 0 ? labelsOnly : header.Metadata(metadata, entry.StructuredMetadata.Select(p => (p.Name, p.Value)));
                entries.Add(header.Entry(timestamp, entry.Line, text, now));
            }
        }

        return entries;
    }

    /// <summary>
    /// <c>{"streams":[{"stream":{"label":"value"},"values":[["&lt;unix ns&gt;","line"],["&lt;unix ns&gt;","line",{"key":"value"}]]}]}</c>
    /// </summary>
    public static IReadOnlyList<LogEntry> DecodeJson(ReadOnlyMemory<byte> body, DateTime now, int maxAgentLength) =>
        ProtocolException.Reading(() => ReadJson(body, now, maxAgentLength));

    private static IReadOnlyList<LogEntry> ReadJson(ReadOnlyMemory<byte> body, DateTime now, int maxAgentLength)
    {
        ProtocolException.ThrowUnlessUtf8(body.Span, "body");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new ProtocolException("body", $"malformed JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("streams", out var streams) || streams.ValueKind != JsonValueKind.Array)
            {
                throw new ProtocolException("streams", "the body must be an object with a `streams` array");
            }

            var entries = new List<LogEntry>();
            var metadata = new MetadataBuilder();
            var s = 0;
            foreach (var stream in streams.EnumerateArray())
            {
                var where = $"streams[{s++}]";
                if (stream.ValueKind != JsonValueKind.Object)
                {
                    throw new ProtocolException(where, $"{where} must be an object");
                }

                var labels = new List<(string, string)>();
                if (stream.TryGetProperty("stream", out var labelObject) && labelObject.ValueKind != JsonValueKind.Null)
                {
                    if (labelObject.ValueKind != JsonValueKind.Object)
                    {
                        throw new ProtocolException(where + ".stream", $"{where}.stream must be an object of labels");
                    }

                    foreach (var label in labelObject.EnumerateObject())
                    {
                        labels.Add((label.Name, JsonStrings.Text(label.Value)));
                    }
                }

                var header = StreamHeader.Of(labels, maxAgentLength, where);
                var labelsOnly = header.LabelMetadata(metadata);
                if (!stream.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array)
                {
                    throw new ProtocolException(where + ".values", $"{where}.values must be an array of [timestamp, line] pairs");
                }

                var v = 0;
                foreach (var value in values.EnumerateArray())
                {
                    var at = $"{where}.values[{v++}]";
                    var length = value.ValueKind == JsonValueKind.Array ? value.GetArrayLength() : 0;
                    if (length is < 2 or > 3 || value[0].ValueKind != JsonValueKind.String || value[1].ValueKind != JsonValueKind.String)
                    {
                        throw new ProtocolException(at, $"{at} must be [\"<unix nanoseconds>\", \"<line>\"] with an optional object of structured metadata");
                    }

                    var timestamp = ParseNanos(value[0].GetString()!, at);
                    var text = labelsOnly;
                    if (length == 3 && value[2].ValueKind == JsonValueKind.Object)
                    {
                        text = header.Metadata(metadata, value[2].EnumerateObject().Select(p => (p.Name, JsonStrings.Text(p.Value))));
                    }
                    else if (length == 3 && value[2].ValueKind != JsonValueKind.Null)
                    {
                        throw new ProtocolException(at, $"{at}: structured metadata must be an object");
                    }

                    entries.Add(header.Entry(timestamp, JsonStrings.Get(value[1]), text, now));
                }
            }

            return entries;
        }
    }

    private static DateTime ParseNanos(string text, string where)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var nanos))
        {
            throw new ProtocolException(where, $"{where}: the timestamp must be Unix time in nanoseconds as a string, got '{text}'");
        }

        return DateTime.UnixEpoch.AddTicks(nanos / 100);
    }

    private static DateTime FromUnixNanos(long seconds, int nanos, string where)
    {
        var ticks = seconds * TimeSpan.TicksPerSecond + nanos / 100;
        return seconds is >= -62_135_596_800 and <= 253_402_300_799
            ? DateTime.UnixEpoch.AddTicks(ticks)
            : throw new ProtocolException(where, $"{where} lies outside years 1 to 9999");
    }

    /// <summary>What every entry of a stream shares: its agent, its level label, its other labels.</summary>
    private sealed class StreamHeader(string agent, Level? level, List<(string Name, string Value)> others)
    {
        public static StreamHeader Of(List<(string Name, string Value)> labels, int maxAgentLength, string where)
        {
            string? agent = null;
            foreach (var name in AgentLabels)
            {
                agent ??= labels.FirstOrDefault(l => l.Name == name && !string.IsNullOrWhiteSpace(l.Value)).Value;
            }

            agent ??= EntryDefaults.Agent;
            if (agent.Length > maxAgentLength)
            {
                throw new ProtocolException("agent", $"{where}: agent has {agent.Length} characters; at most {maxAgentLength} are accepted");
            }

            Level? level = null;
            var others = new List<(string, string)>(labels.Count);
            foreach (var label in labels)
            {
                if (label.Name == "level" && Levels.TryParse(label.Value, out var named))
                {
                    level = named;
                }
                else if (label.Value != agent || Array.IndexOf(AgentLabels, label.Name) < 0)
                {
                    others.Add(label);
                }
            }

            return new StreamHeader(agent, level, others);
        }

        public string LabelMetadata(MetadataBuilder metadata) => Metadata(metadata, []);

        public string Metadata(MetadataBuilder metadata, IEnumerable<(string Name, string Value)> structured)
        {
            metadata.Begin();
            foreach (var (name, value) in structured)
            {
                metadata.String(name, value);
            }

            foreach (var (name, value) in others)
            {
                metadata.String(name, value);
            }

            return metadata.End();
        }

        public LogEntry Entry(DateTime timestamp, string line, string metadata, DateTime now)
        {
            var entryLevel = level ?? LogLineParser.Parse(line, Source, agent, now).Entry.Level;
            return EntryLimits.Truncate(new LogEntry(timestamp, entryLevel, agent, line, Source, metadata));
        }
    }
}

/// <summary>A compressed body that would inflate past the body size limit: the host answers 413.</summary>
public sealed class ProtocolSizeException(long size, long limit)
    : Exception($"the body inflates to {(size < 0 ? "more than " + limit : size)} bytes; at most {limit} are accepted");
