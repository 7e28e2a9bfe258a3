using System.Globalization;
using Google.Protobuf;
using LogAggregator.Model;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Logs.V1;

namespace LogAggregator.Ingestion.Protocols;

/// <summary>What an OTLP export request becomes: the entries to store, and the records refused with why.</summary>
public sealed record OtlpDecoded(IReadOnlyList<LogEntry> Entries, long Rejected, string? RejectedReason);

/// <summary>
/// OTLP/HTTP logs (ExportLogsServiceRequest, protobuf or JSON) to entries: resource <c>service.name</c> → agent,
/// severity text (when it is one of our levels) else severity number → level, body → message (a string as is,
/// any other value as JSON), record, scope and resource attributes → metadata (the most specific wins a name),
/// trace and span ids as hex, <c>time_unix_nano</c> else <c>observed_time_unix_nano</c> else now → timestamp.
/// A record whose agent is longer than the limit is rejected alone (OTLP's partial success); the rest are kept.
/// </summary>
public static class OtlpLogs
{
    public const string Source = "otlp";

    private static readonly JsonParser Json = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static ExportLogsServiceRequest ParseProtobuf(ReadOnlySpan<byte> body)
    {
        try
        {
            return ExportLogsServiceRequest.Parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ProtocolException("body", $"not an OTLP ExportLogsServiceRequest in protobuf: {e.Message}");
        }
    }

    /// <remarks>
    /// OTLP's JSON spells trace and span ids in hex where protobuf's JSON mapping expects base64. A hex id of 32 or
    /// 16 digits is also valid base64 with no padding, so the parser decodes it without complaint and
    /// <see cref="Hex"/> turns the bytes back into the very digits that were sent.
    /// </remarks>
    public static ExportLogsServiceRequest ParseJson(string body)
    {
        try
        {
            var request = Json.Parse<ExportLogsServiceRequest>(body);
            foreach (var record in request.ResourceLogs.SelectMany(r => r.ScopeLogs).SelectMany(s => s.LogRecords))
            {
                record.TraceId = FromJsonHex(record.TraceId);
                record.SpanId = FromJsonHex(record.SpanId);
            }

            return request;
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            throw new ProtocolException("body", $"not an OTLP ExportLogsServiceRequest in JSON: {e.Message}");
        }
    }

    public static OtlpDecoded Decode(ExportLogsServiceRequest request, DateTime now, int maxAgentLength)
    {
        var entries = new List<LogEntry>(CountRecords(request));
        var metadata = new MetadataBuilder();
        long rejected = 0;
        string? reason = null;
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var resource = resourceLogs.Resource?.Attributes;
            var agent = ServiceName(resource) ?? EntryDefaults.Agent;
            if (agent.Length > maxAgentLength)
            {
                var count = resourceLogs.ScopeLogs.Sum(s => s.LogRecords.Count);
                rejected += count;
                reason ??= $"service.name has {agent.Length} characters; at most {maxAgentLength} are accepted";
                continue;
            }

            foreach (var scopeLogs in resourceLogs.ScopeLogs)
            {
                foreach (var record in scopeLogs.LogRecords)
                {
                    entries.Add(EntryLimits.Truncate(new LogEntry(
                        Timestamp(record, now), Level(record), agent, Message(record), Source,
                        Metadata(metadata, record, scopeLogs.Scope, resource))));
                }
            }
        }

        return new OtlpDecoded(entries, rejected, reason);
    }

    private static int CountRecords(ExportLogsServiceRequest request)
    {
        var count = 0;
        foreach (var resourceLogs in request.ResourceLogs)
        {
            foreach (var scopeLogs in resourceLogs.ScopeLogs)
            {
                count += scopeLogs.LogRecords.Count;
            }
        }

        return count;
    }

    private static string? ServiceName(IList<KeyValue>? attributes)
    {
        if (attributes is null)
        {
            return null;
        }

        foreach (var attribute in attributes)
        {
            if (attribute.Key == "service.name" && attribute.Value is { ValueCase: AnyValue.ValueOneofCase.StringValue } value
                && !string.IsNullOrWhiteSpace(value.StringValue))
            {
                return value.StringValue;
            }
        }

        return null;
    }

    private static DateTime Timestamp(LogRecord record, DateTime now)
    {
        var nanos = record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano;
        return nanos == 0 ? now : DateTime.UnixEpoch.AddTicks((long)(nanos / 100));
    }

    /// <summary>Text wins when it is one of our levels; else the number's range (TRACE counts as DEBUG); else INFO.</summary>
    public static Level Level(LogRecord record)
    {
        if (record.SeverityText.Length > 0 && Levels.TryParse(record.SeverityText, out var named))
        {
            return named;
        }

        return (int)record.SeverityNumber switch
        {
            >= 1 and <= 8 => Model.Level.Debug,
            >= 13 and <= 16 => Model.Level.Warning,
            >= 17 and <= 20 => Model.Level.Error,
            >= 21 and <= 24 => Model.Level.Fatal,
            _ => Model.Level.Info,
        };
    }

    private static string Message(LogRecord record) => record.Body switch
    {
        null => record.EventName,
        { ValueCase: AnyValue.ValueOneofCase.StringValue } body => body.StringValue,
        { ValueCase: AnyValue.ValueOneofCase.None } => record.EventName,
        var body => AnyValueJson(body),
    };

    private static string Metadata(MetadataBuilder metadata, LogRecord record, InstrumentationScope? scope, IList<KeyValue>? resource)
    {
        metadata.Begin();
        Attributes(metadata, record.Attributes);
        if (!record.TraceId.IsEmpty)
        {
            metadata.String("trace_id", Hex(record.TraceId));
        }

        if (!record.SpanId.IsEmpty)
        {
            metadata.String("span_id", Hex(record.SpanId));
        }

        if (record.EventName.Length > 0 && record.Body is not null)
        {
            metadata.String("event_name", record.EventName);
        }

        if (record.SeverityText.Length > 0 && !Levels.TryParse(record.SeverityText, out _))
        {
            metadata.String("severity_text", record.SeverityText);
        }

        if (scope is not null)
        {
            Attributes(metadata, scope.Attributes);
            if (scope.Name.Length > 0)
            {
                metadata.String("scope.name", scope.Name);
            }
        }

        if (resource is not null)
        {
            foreach (var attribute in resource)
            {
                if (attribute.Key != "service.name")
                {
                    Attribute(metadata, attribute);
                }
            }
        }

        return metadata.End();
    }

    private static void Attributes(MetadataBuilder metadata, IList<KeyValue> attributes)
    {
        foreach (var attribute in attributes)
        {
            Attribute(metadata, attribute);
        }
    }

    private static void Attribute(MetadataBuilder metadata, KeyValue attribute)
    {
        if (metadata.Name(attribute.Key))
        {
            WriteValue(metadata.Writer, attribute.Value);
        }
    }

    private static void WriteValue(System.Text.Json.Utf8JsonWriter writer, AnyValue? value)
    {
        switch (value?.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue:
                writer.WriteStringValue(value.StringValue);
                break;
            case AnyValue.ValueOneofCase.BoolValue:
                writer.WriteBooleanValue(value.BoolValue);
                break;
            case AnyValue.ValueOneofCase.IntValue:
                writer.WriteNumberValue(value.IntValue);
                break;
            case AnyValue.ValueOneofCase.DoubleValue when double.IsFinite(value.DoubleValue):
                writer.WriteNumberValue(value.DoubleValue);
                break;
            case AnyValue.ValueOneofCase.DoubleValue:
                writer.WriteStringValue(value.DoubleValue.ToString(CultureInfo.InvariantCulture));
                break;
            case AnyValue.ValueOneofCase.BytesValue:
                writer.WriteBase64StringValue(value.BytesValue.Span);
                break;
            case AnyValue.ValueOneofCase.ArrayValue:
                writer.WriteStartArray();
                foreach (var item in value.ArrayValue.Values)
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                writer.WriteStartObject();
                foreach (var pair in value.KvlistValue.Values)
                {
                    writer.WritePropertyName(pair.Key);
                    WriteValue(writer, pair.Value);
                }

                writer.WriteEndObject();
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static string AnyValueJson(AnyValue body)
    {
        var metadata = new MetadataBuilder();
        metadata.Begin();
        metadata.Name("body");
        WriteValue(metadata.Writer, body);
        var wrapped = metadata.End();
        return wrapped["{\"body\":".Length..^1];
    }

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);

    /// <summary>The id the hex digits spelled; a sender that used base64 after all keeps its bytes.</summary>
    private static ByteString FromJsonHex(ByteString decoded)
    {
        if (decoded.IsEmpty)
        {
            return decoded;
        }

        var text = Convert.ToBase64String(decoded.Span);
        var bytes = new byte[text.Length / 2];
        return Convert.FromHexString(text, bytes, out _, out _) == System.Buffers.OperationStatus.Done
            ? ByteString.CopyFrom(bytes)
            : decoded;
    }

    public static byte[] ResponseProtobuf(OtlpDecoded decoded) => Response(decoded).ToByteArray();

    public static string ResponseJson(OtlpDecoded decoded) => JsonFormatter.Default.Format(Response(decoded));

    private static ExportLogsServiceResponse Response(OtlpDecoded decoded) =>
        decoded.Rejected == 0
            ? new ExportLogsServiceResponse()
            : new ExportLogsServiceResponse
            {
                PartialSuccess = new ExportLogsPartialSuccess { RejectedLogRecords = decoded.Rejected, ErrorMessage = decoded.RejectedReason ?? "" },
            };
}

/// <summary>What an entry gets when its protocol does not say (DESIGN.md section 2).</summary>
public static class EntryDefaults
{
    public const string Agent = "unknown";
}
