using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using LogAggregator.Model;
using Loki.Proto;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Logs.V1;
using OpenTelemetry.Proto.Resource.V1;

namespace LogAggregator.Benchmarks;

/// <summary>
/// The workload's entries as an OTLP exporter and a Loki client would send them: one resource (or stream) per agent
/// (and level, for Loki's labels) within each body, the entry's metadata as attributes (structured metadata).
/// </summary>
public static class ProtocolBodies
{
    public static List<byte[]> Otlp(Workload workload, int linesPerBody) =>
        workload.AllEntries.Chunk(linesPerBody).Select(chunk =>
        {
            var request = new ExportLogsServiceRequest();
            foreach (var agent in chunk.GroupBy(e => e.Agent))
            {
                var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "bench" } };
                foreach (var entry in agent)
                {
                    var record = new LogRecord
                    {
                        TimeUnixNano = (ulong)(entry.Timestamp - DateTime.UnixEpoch).Ticks * 100,
                        SeverityText = entry.Level.Name(),
                        Body = new AnyValue { StringValue = entry.Message },
                    };
                    foreach (var (name, value) in Attributes(entry))
                    {
                        record.Attributes.Add(new KeyValue { Key = name, Value = new AnyValue { StringValue = value } });
                    }

                    scope.LogRecords.Add(record);
                }

                request.ResourceLogs.Add(new ResourceLogs
                {
                    Resource = new Resource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = agent.Key } } } },
                    ScopeLogs = { scope },
                });
            }

            return request.ToByteArray();
        }).ToList();

    public static List<byte[]> Loki(Workload workload, int linesPerBody) =>
        workload.AllEntries.Chunk(linesPerBody).Select(chunk =>
        {
            var request = new PushRequest();
            foreach (var stream in chunk.GroupBy(e => (e.Agent, e.Level)))
            {
                var adapter = new StreamAdapter { Labels = $"{{agent=\"{stream.Key.Agent}\", level=\"{stream.Key.Level.Name().ToLowerInvariant()}\"}}" };
                foreach (var entry in stream)
                {
                    var item = new EntryAdapter { Timestamp = Timestamp.FromDateTime(entry.Timestamp), Line = entry.Message };
                    foreach (var (name, value) in Attributes(entry))
                    {
                        item.StructuredMetadata.Add(new LabelPairAdapter { Name = name, Value = value });
                    }

                    adapter.Entries.Add(item);
                }

                request.Streams.Add(adapter);
            }

            return Snappier.Snappy.CompressToArray(request.ToByteArray());
        }).ToList();

    private static IEnumerable<(string, string)> Attributes(LogEntry entry)
    {
        if (entry.Metadata == LogEntry.EmptyMetadata)
        {
            yield break;
        }

        using var document = JsonDocument.Parse(entry.Metadata);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            yield return (property.Name, property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText());
        }
    }
}
