using System.Buffers;
using System.Text;
using System.Text.Json;
using CsCheck;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using LogAggregator.Ingestion;
using LogAggregator.Ingestion.Protocols;
using LogAggregator.Model;
using Loki.Proto;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Logs.V1;
using OpenTelemetry.Proto.Resource.V1;

namespace LogAggregator.Testing.Fuzzing;

/// <summary>
/// One decoder of untrusted input, fed arbitrary bytes: <see cref="Run"/> either accepts them (and checks what came
/// out) or refuses them the way the host turns into a 400 or a dropped connection; <see cref="Accepts"/> says which.
/// Any other exception is a finding.
/// </summary>
public sealed record FuzzTarget(string Name, IReadOnlyList<byte[]> Seeds, Func<byte[], bool> Accepts)
{
    /// <summary>Mostly mutations of the valid seeds (deep paths), some raw bytes (shallow ones).</summary>
    public Gen<byte[]> Inputs => Gen.Frequency(
        (1, Gen.Byte.Array[0, 256]),
        (6, Gen.Select(Gen.Int[0, Seeds.Count - 1], FuzzMutations.Edits, (seed, edits) => FuzzMutations.Apply(Seeds[seed], edits))));

    public override string ToString() => Name;
}

/// <summary>The decoders the servers run on what clients send (issue 12's list), with a valid seed or two each.</summary>
public static class FuzzTargets
{
    private const int MaxAgent = 128;
    private static readonly DateTime Now = new(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    public static readonly IReadOnlyList<FuzzTarget> All =
    [
        new("tailed line", Utf8(
                "2024-01-15 10:30:00 - INFO - AGENT - Message 42",
                "2024-01-15T10:30:00.123 | ERROR | billing.v2 | timeout after 5012 ms",
                "[WARN] my-agent: disk 91% full",
                "FATAL: out of memory",
                "{\"timestamp\":\"2024-01-15T10:30:00Z\",\"level\":\"ERROR\",\"agent\":\"a\",\"message\":\"m\",\"extra\":[1,{\"x\":null}]}",
                "  at Foo.Bar() in /src/x.cs:line 12"),
            input =>
            {
                var line = Encoding.UTF8.GetString(input);
                var parsed = LogLineParser.Parse(line, "/var/log/fuzz-agent.log", "FUZZ_AGENT", Now);
                EntryChecks.Check(parsed.Entry, maxAgent: null);
                return true;
            }),
        new("posted JSON entry", Utf8(
                "{\"timestamp\":\"2024-01-15T10:30:00Z\",\"level\":\"ERROR\",\"agent\":\"a\",\"message\":\"m\",\"metadata\":{\"k\":[1,2.5e3,true]}}",
                "{\"timestamp\":1705314600.25,\"level\":\"warn\",\"message\":\"\\u00e9\\ud83d\\ude00\",\"source\":\"s\",\"host\":\"h\"}"),
            input =>
            {
                var result = JsonEntryReader.ReadPosted(input, "unknown", "http", Now);
                if (result.IsValid)
                {
                    EntryChecks.Check(result.Entry, maxAgent: null);
                    return true;
                }

                if (string.IsNullOrEmpty(result.Error) || string.IsNullOrEmpty(result.ErrorField))
                {
                    throw new InvalidOperationException("a refused entry must say which field and why");
                }

                return false;
            }),
        new("Seq CLEF", Utf8(
                "{\"@t\":\"2024-01-15T10:30:00.1234567Z\",\"@mt\":\"Hello {Name} {@Obj} {N:000}\",\"@l\":\"Error\",\"Name\":\"x\",\"Obj\":{\"a\":1},\"N\":7,\"@r\":[\"007\"]}\n{\"@t\":\"2024-01-15T10:30:01Z\",\"@m\":\"plain\",\"@x\":\"System.Exception: boom\"}"),
            input => Protocol(() => SeqClef.DecodeClef(input, Now, "Application", MaxAgent))),
        new("Seq events", Utf8(
                "{\"Events\":[{\"Timestamp\":\"2024-01-15T10:30:00Z\",\"Level\":\"Warning\",\"MessageTemplate\":\"Took {Ms} ms for {User}\",\"Properties\":{\"Ms\":12,\"User\":\"bob\",\"Application\":\"svc\"}}]}"),
            input => Protocol(() => SeqClef.DecodeEvents(input, Now, "Application", MaxAgent))),
        new("OTLP JSON", Utf8(
                "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"svc\"}}]},\"scopeLogs\":[{\"scope\":{\"name\":\"s\"},\"logRecords\":[{\"timeUnixNano\":\"1705314600000000000\",\"severityNumber\":17,\"severityText\":\"ERROR\",\"body\":{\"kvlistValue\":{\"values\":[{\"key\":\"k\",\"value\":{\"intValue\":\"5\"}}]}},\"attributes\":[{\"key\":\"a\",\"value\":{\"arrayValue\":{\"values\":[{\"boolValue\":true}]}}}],\"traceId\":\"5b8efff798038103d269b633813fc60c\"}]}]}]}"),
            input => Protocol(() => OtlpLogs.Decode(OtlpLogs.ParseJson(Encoding.UTF8.GetString(input)), Now, MaxAgent).Entries)),
        new("OTLP protobuf", [OtlpSeed()],
            input => Protocol(() => OtlpLogs.Decode(OtlpLogs.ParseProtobuf(input), Now, MaxAgent).Entries)),
        new("Loki JSON", Utf8(
                "{\"streams\":[{\"stream\":{\"service_name\":\"svc\",\"level\":\"error\"},\"values\":[[\"1705314600000000000\",\"boom 42\"],[\"1705314600000000001\",\"x\",{\"trace_id\":\"t\"}]]}]}"),
            input => Protocol(() => LokiPush.DecodeJson(input, Now, MaxAgent))),
        new("Loki protobuf (snappy)", [LokiSeed()],
            input => Protocol(() => LokiPush.Decode(LokiPush.ParseProtobuf(input, 1 << 20), Now, MaxAgent))),
        new("syslog message", Utf8(
                "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"App\\]\"] An application event",
                "<34>Oct 11 22:14:15 mymachine su[123]: 'su root' failed for lonvick on /dev/pts/8",
                "<13>1 - - - - - -"),
            input => Protocol(() => [SyslogMessage.Parse(Encoding.UTF8.GetString(input), Now, MaxAgent, TimeZoneInfo.Utc)])),
        new("syslog TCP framing", Utf8(
                "59 <34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick\n<13>newline framed\n",
                "5 hello3 abc\0<13>x\r\n"),
            input =>
            {
                var buffer = new ReadOnlySequence<byte>(input);
                var frames = 0;
                try
                {
                    while (SyslogFraming.TryRead(ref buffer, 4096, out var message))
                    {
                        ArgumentNullException.ThrowIfNull(message);
                        if (++frames > input.Length)
                        {
                            throw new InvalidOperationException("more frames than bytes: the framing does not advance");
                        }
                    }
                }
                catch (InvalidDataException)
                {
                    // An oversized frame: the listener drops the connection.
                    return false;
                }

                return frames > 0;
            }),
        new("message mask", Utf8(
                "timeout after 5012 ms talking to 10.0.0.12:8080 for bob@example.com id 550e8400-e29b-41d4-a716-446655440000",
                "hash 0xdeadBEEF run deadbeef12 took 1h30m at 2024-01-15T10:30:00Z 'quoted 1' \"and 2\" fe80::1%eth0"),
            input =>
            {
                var message = Encoding.UTF8.GetString(input);
                var masked = MessagePatterns.Mask(message);
                if (masked is null || (masked.Length == 0) != (message.Length == 0))
                {
                    throw new InvalidOperationException("a mask must keep an empty message empty and any other non-empty");
                }

                return true;
            }),
    ];

    private static IReadOnlyList<byte[]> Utf8(params string[] seeds) => seeds.Select(Encoding.UTF8.GetBytes).ToList();

    /// <summary>A protocol decoder refuses a body only with <see cref="ProtocolException"/> (400) or <see cref="ProtocolSizeException"/> (413).</summary>
    private static bool Protocol(Func<IEnumerable<LogEntry>> decode)
    {
        IReadOnlyList<LogEntry> entries;
        try
        {
            entries = decode().ToList();
        }
        catch (ProtocolException)
        {
            return false;
        }
        catch (ProtocolSizeException)
        {
            return false;
        }

        foreach (var entry in entries)
        {
            EntryChecks.Check(entry, MaxAgent);
        }

        return entries.Count > 0;
    }

    private static byte[] OtlpSeed()
    {
        var record = new LogRecord
        {
            TimeUnixNano = 1_705_314_600_000_000_000,
            SeverityNumber = SeverityNumber.Error,
            Body = new AnyValue { StringValue = "boom 42" },
            Attributes = { new KeyValue { Key = "user", Value = new AnyValue { KvlistValue = new KeyValueList { Values = { new KeyValue { Key = "id", Value = new AnyValue { IntValue = 7 } } } } } } },
        };
        return new ExportLogsServiceRequest
        {
            ResourceLogs =
            {
                new ResourceLogs
                {
                    Resource = new Resource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "svc" } } } },
                    ScopeLogs = { new ScopeLogs { LogRecords = { record } } },
                },
            },
        }.ToByteArray();
    }

    private static byte[] LokiSeed()
    {
        var request = new PushRequest
        {
            Streams =
            {
                new StreamAdapter
                {
                    Labels = "{service_name=\"svc\", level=\"error\", env=\"a\\\"b\"}",
                    Entries =
                    {
                        new EntryAdapter
                        {
                            Timestamp = Timestamp.FromDateTime(new DateTime(2024, 1, 15, 10, 30, 0, DateTimeKind.Utc)),
                            Line = "boom 42",
                            StructuredMetadata = { new LabelPairAdapter { Name = "trace_id", Value = "t" } },
                        },
                    },
                },
            },
        };
        return Snappier.Snappy.CompressToArray(request.ToByteArray());
    }
}

/// <summary>What every decoded entry must be, whatever the input: storable, and readable back by the API and the UI.</summary>
public static class EntryChecks
{
    public static void Check(LogEntry entry, int? maxAgent)
    {
        Require(System.Enum.IsDefined(entry.Level), "level out of range");
        Require(entry.Timestamp.Kind == DateTimeKind.Utc, $"timestamp of kind {entry.Timestamp.Kind}, not UTC");
        Require(entry.Message is not null && entry.Source is not null, "message or source is null");
        Require(!string.IsNullOrEmpty(entry.Agent), "empty agent");
        Require(maxAgent is null || entry.Agent.Length <= maxAgent, $"agent of {entry.Agent.Length} chars, over the limit");
        Require(!string.IsNullOrEmpty(entry.AgentKey), "empty agent key");
        using var metadata = JsonDocument.Parse(entry.Metadata);
        Require(metadata.RootElement.ValueKind == JsonValueKind.Object, "metadata is not a JSON object");
    }

    private static void Require(bool holds, string what)
    {
        if (!holds)
        {
            throw new InvalidOperationException(what);
        }
    }
}

/// <summary>Byte-level mutations as libFuzzer makes them: flips, inserted syntax and boundary values, cuts, repeats.</summary>
public static class FuzzMutations
{
    private static readonly byte[][] Tokens =
    [
        .. new[]
        {
            "{", "}", "[", "]", "\"", ":", ",", "\\", "\\u0000", "\\ud800", "\\udfff", "1e999", "-0", "9999999999999999999999",
            "null", "true", "{}", "[]", "\"\"", " ", "\n", "\r\n", "\0", "<", ">", "<999>", "1 ", "T", "Z", "+99:99", "%",
            "@t", "@mt", "{Name}", "{{", "}}", "{@X,-10:000}", "\u00e9", "\U0001F600", "\u202e", "2024-02-30T25:61:61Z",
            "-9223372036854775808", "18446744073709551615", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.9999999Z",
        }.Select(Encoding.UTF8.GetBytes),
        [0xff], [0xc3], [0xed, 0xa0, 0x80], [0x80], [0x08], [0x12], [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    ];

    /// <summary>One to eight edits, each (kind, position, argument).</summary>
    public static readonly Gen<(int Kind, int Position, int Argument)[]> Edits =
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]).Array[1, 8];

    public static byte[] Apply(byte[] seed, (int Kind, int Position, int Argument)[] edits)
    {
        var bytes = new List<byte>(seed);
        foreach (var (kind, position, argument) in edits)
        {
            var at = bytes.Count == 0 ? 0 : position % (bytes.Count + 1);
            switch (kind)
            {
                case 0 when bytes.Count > 0:
                    bytes[Math.Min(at, bytes.Count - 1)] ^= (byte)(1 << (argument % 8));
                    break;
                case 1:
                    bytes.InsertRange(at, Tokens[argument % Tokens.Length]);
                    break;
                case 2 when bytes.Count > 0:
                    bytes.RemoveRange(Math.Min(at, bytes.Count - 1), Math.Min(1 + argument % 16, bytes.Count - Math.Min(at, bytes.Count - 1)));
                    break;
                case 3 when at < bytes.Count:
                    var length = Math.Min(1 + argument % 32, bytes.Count - at);
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
                case 4:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 5 when bytes.Count > 0:
                    bytes[Math.Min(at, bytes.Count - 1)] = (byte)argument;
                    break;
            }
        }

        return [.. bytes];
    }
}
