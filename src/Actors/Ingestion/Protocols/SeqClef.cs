using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using LogAggregator.Model;

namespace LogAggregator.Ingestion.Protocols;

/// <summary>
/// Seq's raw ingestion (<c>POST /api/events/raw</c>) to entries: compact log event format (CLEF, one JSON object
/// per line) or the older <c>{"Events": [...]}</c> body. <c>@t</c> → timestamp, <c>@m</c> or <c>@mt</c> rendered
/// from the properties → message, with <c>@x</c> (the exception) appended on its own lines, <c>@l</c> → level
/// (Serilog's Verbose and Debug → DEBUG, Information → INFO, Warning → WARNING, Error → ERROR, Fatal → FATAL;
/// missing → INFO), the agent property (configurable, default <c>Application</c>) else <c>SourceContext</c>
/// else <c>unknown</c> → agent; every property, the template (<c>message_template</c>) and <c>@i</c>
/// (<c>event_id</c>) → metadata. Any event that cannot be read refuses the whole body.
/// </summary>
public static class SeqClef
{
    public const string Source = "seq";

    public static IReadOnlyList<LogEntry> DecodeClef(ReadOnlyMemory<byte> body, DateTime now, string agentProperty, int maxAgentLength) =>
        ProtocolException.Reading(() => ReadClef(body, now, agentProperty, maxAgentLength));

    /// <summary>The older JSON form: <c>{"Events": [{"Timestamp", "Level", "MessageTemplate", "Properties", "Exception", "Renderings"}]}</c>.</summary>
    public static IReadOnlyList<LogEntry> DecodeEvents(ReadOnlyMemory<byte> body, DateTime now, string agentProperty, int maxAgentLength) =>
        ProtocolException.Reading(() => ReadEvents(body, now, agentProperty, maxAgentLength));

    private static IReadOnlyList<LogEntry> ReadClef(ReadOnlyMemory<byte> body, DateTime now, string agentProperty, int maxAgentLength)
    {
        var entries = new List<LogEntry>();
        var metadata = new MetadataBuilder();
        var rest = body;
        var lineNumber = 0;
        while (rest.Length > 0)
        {
            lineNumber++;
            var newline = rest.Span.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? ReadOnlyMemory<byte>.Empty : rest[(newline + 1)..];
            if (line.Span.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            var where = $"line {lineNumber}";
            using var document = ParseJson(line, where);
            entries.Add(Clef(document.RootElement, where, now, agentProperty, maxAgentLength, metadata));
        }

        return entries;
    }

    private static IReadOnlyList<LogEntry> ReadEvents(ReadOnlyMemory<byte> body, DateTime now, string agentProperty, int maxAgentLength)
    {
        using var document = ParseJson(body, "body");
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("Events", out var events) || events.ValueKind != JsonValueKind.Array)
        {
            throw new ProtocolException("Events", "the body must be {\"Events\": [...]}, or CLEF with ?clef or Content-Type application/vnd.serilog.clef");
        }

        var entries = new List<LogEntry>(events.GetArrayLength());
        var metadata = new MetadataBuilder();
        var index = 0;
        foreach (var e in events.EnumerateArray())
        {
            var where = $"Events[{index++}]";
            if (e.ValueKind != JsonValueKind.Object)
            {
                throw new ProtocolException(where, $"{where} must be an object");
            }

            var properties = e.TryGetProperty("Properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
            var fields = new Fields(
                Timestamp: Optional(e, "Timestamp"),
                Message: null,
                Template: Optional(e, "MessageTemplate"),
                Level: Optional(e, "Level"),
                Exception: Optional(e, "Exception"),
                EventId: null,
                Renderings: e.TryGetProperty("Renderings", out var r) ? r : null);
            entries.Add(Build(fields, Properties(properties), where, now, agentProperty, maxAgentLength, metadata));
        }

        return entries;
    }

    private static JsonDocument ParseJson(ReadOnlyMemory<byte> json, string where)
    {
        ProtocolException.ThrowUnlessUtf8(json.Span, where);
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ProtocolException(where == "body" ? "body" : where, $"{where}: malformed JSON: {e.Message}");
        }
    }

    private static JsonElement? Optional(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private sealed record Fields(
        JsonElement? Timestamp, JsonElement? Message, JsonElement? Template, JsonElement? Level, JsonElement? Exception,
        JsonElement? EventId, JsonElement? Renderings);

    private static List<(string Name, JsonElement Value)> Properties(JsonElement properties)
    {
        var list = new List<(string, JsonElement)>();
        if (properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                list.Add((property.Name, property.Value));
            }
        }

        return list;
    }

    private static LogEntry Clef(JsonElement e, string where, DateTime now, string agentProperty, int maxAgentLength, MetadataBuilder metadata)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new ProtocolException(where, $"{where}: an event must be a JSON object");
        }

        JsonElement? t = null, m = null, mt = null, l = null, x = null, i = null, r = null;
        var properties = new List<(string, JsonElement)>();
        foreach (var property in e.EnumerateObject())
        {
            var name = property.Name;
            var value = property.Value.ValueKind == JsonValueKind.Null ? (JsonElement?)null : property.Value;
            switch (name)
            {
                case "@t": t = value; break;
                case "@m": m = value; break;
                case "@mt": mt = value; break;
                case "@l": l = value; break;
                case "@x": x = value; break;
                case "@i": i = value; break;
                case "@r": r = value; break;
                default:
                    if (name.StartsWith('@') && !name.StartsWith("@@", StringComparison.Ordinal))
                    {
                        // Other reified properties (@tr, @sp, ...) are kept as they came.
                        properties.Add((name[1..], property.Value));
                    }
                    else
                    {
                        properties.Add((name.StartsWith("@@", StringComparison.Ordinal) ? name[1..] : name, property.Value));
                    }

                    break;
            }
        }

        return Build(new Fields(t, m, mt, l, x, i, r), properties, where, now, agentProperty, maxAgentLength, metadata);
    }

    private static LogEntry Build(
        Fields fields, List<(string Name, JsonElement Value)> properties, string where, DateTime now, string agentProperty, int maxAgentLength,
        MetadataBuilder metadata)
    {
        var timestamp = now;
        if (fields.Timestamp is { } t)
        {
            var text = t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
            if (text.Length > 64 || !IsoTimestamps.TryParse(text, out timestamp))
            {
                throw new ProtocolException("@t", $"{where}: @t must be an ISO-8601 date-time, got {t.GetRawText()}");
            }
        }

        var level = Level.Info;
        string? levelRaw = null;
        if (fields.Level is { } l)
        {
            var text = l.ValueKind == JsonValueKind.String ? l.GetString()! : l.GetRawText();
            if (!TryLevel(text, out level))
            {
                levelRaw = text;
            }
        }

        var template = fields.Template is { } mt ? JsonStrings.Text(mt) : null;
        string message;
        if (fields.Message is { } m)
        {
            message = JsonStrings.Text(m);
        }
        else if (template is not null)
        {
            var renderings = fields.Renderings is { ValueKind: JsonValueKind.Array } r
                ? r.EnumerateArray().Select(JsonStrings.Text).ToList()
                : null;
            message = MessageTemplates.Render(template, (string name, out JsonElement value) => Find(properties, name, out value), renderings);
        }
        else
        {
            message = "";
        }

        if (fields.Exception is { } x)
        {
            var exception = JsonStrings.Text(x);
            message = message.Length == 0 ? exception : message + "\n" + exception;
        }

        var agent = AgentFrom(properties, agentProperty) ?? AgentFrom(properties, "SourceContext") ?? EntryDefaults.Agent;
        if (agent.Length > maxAgentLength)
        {
            throw new ProtocolException("agent", $"{where}: agent has {agent.Length} characters; at most {maxAgentLength} are accepted");
        }

        metadata.Begin();
        foreach (var (name, value) in properties)
        {
            metadata.Raw(name, JsonMarshal.GetRawUtf8Value(value));
        }

        if (template is not null && fields.Message is null)
        {
            metadata.String("message_template", template);
        }

        if (fields.EventId is { } i)
        {
            metadata.String("event_id", JsonStrings.Text(i));
        }

        if (levelRaw is not null)
        {
            metadata.String("level_raw", levelRaw);
        }

        var metadataText = JsonEntryReader.ReplaceLoneSurrogateEscapes(metadata.End());
        return EntryLimits.Truncate(new LogEntry(timestamp, level, agent, message, Source, metadataText));
    }

    private static bool Find(List<(string Name, JsonElement Value)> properties, string name, out JsonElement value)
    {
        foreach (var property in properties)
        {
            if (property.Name == name)
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    private static string? AgentFrom(List<(string Name, JsonElement Value)> properties, string name) =>
        Find(properties, name, out var value) && value.ValueKind != JsonValueKind.Null && JsonStrings.Text(value) is { } text
        && !string.IsNullOrWhiteSpace(text)
            ? text
            : null;

    /// <summary>Serilog's names, Seq's short ones, and ours.</summary>
    private static bool TryLevel(string text, out Level level)
    {
        if (Levels.TryParse(text, out level))
        {
            return true;
        }

        switch (text.Trim().ToUpperInvariant())
        {
            case "VERBOSE" or "TRACE" or "VRB" or "DBG" or "DEBUG":
                level = Level.Debug;
                return true;
            case "INFORMATION" or "INF":
                level = Level.Info;
                return true;
            case "WRN":
                level = Level.Warning;
                return true;
            case "ERR":
                level = Level.Error;
                return true;
            case "FTL":
                level = Level.Fatal;
                return true;
            default:
                level = Level.Info;
                return false;
        }
    }
}
