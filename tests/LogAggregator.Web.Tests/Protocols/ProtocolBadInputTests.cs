using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Logs.V1;
using OpenTelemetry.Proto.Resource.V1;
using static LogAggregator.Web.Tests.Protocols.ProtocolTestSupport;

namespace LogAggregator.Web.Tests.Protocols;

/// <summary>What the protocol endpoints answer a body they cannot take whole, and that none of it is stored.</summary>
public sealed class ProtocolBadInputTests
{
    [Fact]
    public async Task OTLP_records_of_an_over_long_service_name_are_rejected_as_partial_success_and_the_rest_stored()
    {
        await using var host = await TestHost.StartAsync();
        var request = new ExportLogsServiceRequest
        {
            ResourceLogs = { Resource("ok-service", "kept"), Resource(new string('x', 300), "rejected one", "rejected two") },
        };

        var response = await host.Client.PostAsync("/v1/logs", Protobuf(request.ToByteArray()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        var answer = ExportLogsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(2, answer.PartialSuccess.RejectedLogRecords);
        Assert.Contains("service.name", answer.PartialSuccess.ErrorMessage);
        Assert.Equal("kept", (await WaitForEntriesAsync(host, "ok-service", 1)).Single().GetProperty("message").GetString());
        Assert.Equal(1, (await host.GetJsonAsync("/api/logs")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task OTLP_JSON_keeps_hex_trace_ids_and_answers_in_JSON()
    {
        await using var host = await TestHost.StartAsync();
        const string body = """
            {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-svc"}}]},
             "scopeLogs":[{"logRecords":[{"timeUnixNano":"1705314600000000000","severityNumber":17,"severityText":"oops",
               "body":{"kvlistValue":{"values":[{"key":"k","value":{"intValue":"5"}}]}},
               "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"}]}]}]}
            """;

        var response = await host.Client.PostAsync("/v1/logs", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(JsonValueKind.Object, answer.ValueKind);
        Assert.False(answer.TryGetProperty("partialSuccess", out _));
        var entry = (await WaitForEntriesAsync(host, "json-svc", 1)).Single();
        Assert.Equal("ERROR", entry.GetProperty("level").GetString());
        Assert.Equal("""{"k":5}""", entry.GetProperty("message").GetString());
        Assert.Equal(new DateTime(2024, 1, 15, 10, 30, 0, DateTimeKind.Utc), Timestamp(entry));
        Assert.Equal("5b8efff798038103d269b633813fc60c", Metadata(entry).GetProperty("trace_id").GetString());
        Assert.Equal("eee19b7ec3c1b174", Metadata(entry).GetProperty("span_id").GetString());
        Assert.Equal("oops", Metadata(entry).GetProperty("severity_text").GetString());
    }

    [Theory]
    [InlineData("/v1/logs", "application/x-protobuf", "not protobuf at all \u00ff\u00ff\u00ff")]
    [InlineData("/v1/logs", "application/json", "{\"resourceLogs\": [")]
    [InlineData("/loki/api/v1/push", "application/json", "{\"streams\": [{\"stream\": {\"job\": \"x\"}, \"values\": [[\"soon\", \"line\"]]}]}")]
    [InlineData("/loki/api/v1/push", "application/x-protobuf", "not snappy")]
    [InlineData("/api/events/raw?clef", "application/vnd.serilog.clef", "{\"@t\":\"2024-01-15T10:30:00Z\",\"@mt\":\"fine\"}\n{\"@t\":\"yesterday\",\"@mt\":\"bad\"}")]
    // Found by the decoder fuzzing (tests/Shared/Fuzzing), each answered 500 before: a byte that is not UTF-8 inside
    // a JSON string, an escaped lone surrogate (valid JSON, no .NET string), a snappy length past what an array holds.
    [InlineData("/api/events/raw?clef", "application/vnd.serilog.clef", "{\"@t\":\"2024-01-15T10:30:00Z\",\"@mt\":\"caf\u00ff\"}")]
    [InlineData("/api/events/raw", "application/json", "{\"Events\":[{\"Timestamp\":\"2024-01-15T10:30:00Z\",\"MessageTemplate\":\"x\",\"Properties\":{\"\u00e5\":1}}]}")]
    [InlineData("/loki/api/v1/push", "application/json", "{\"streams\":[{\"stream\":{\"job\":\"x\u008c\"},\"values\":[[\"1705314600000000000\",\"l\"]]}]}")]
    [InlineData("/loki/api/v1/push", "application/x-protobuf", "\u00ff\u00ff\u00ff\u00ff\u000f\u0000")]
    [InlineData("/api/events/raw?clef", "application/vnd.serilog.clef", "{\"@t\":\"2024-01-15T10:30:00Z\\udfff\",\"@mt\":\"x\"}")]
    public async Task An_undecodable_body_gets_400_naming_the_problem_and_stores_nothing(string path, string contentType, string latin1Body)
    {
        // Latin-1, so \u00XX is the single byte XX.
        await using var host = await TestHost.StartAsync();
        var content = new ByteArrayContent(Encoding.Latin1.GetBytes(latin1Body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        var response = await host.Client.PostAsync(path, content);

        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("field").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        // Positive control: a good body to the same server is stored, so an empty store above means refused.
        await host.PostOkAsync(new { message = "control", agent = "control" });
        Assert.Equal(1, (await host.GetJsonAsync("/api/logs")).GetProperty("total").GetInt32());
    }

    /// <summary>
    /// Found by the decoder fuzzing: a BSD timestamp on day 0 threw out of the syslog parser, which ended the UDP
    /// listener for good (and a TCP connection with it): every later datagram was lost.
    /// </summary>
    [Fact]
    public async Task A_syslog_datagram_with_day_zero_does_not_stop_the_UDP_listener()
    {
        var port = FreeUdpPort();
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["SYSLOG_UDP_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        // Not connected: a connected socket would fail its next send on the ICMP "unreachable" of a closed port.
        using var udp = new System.Net.Sockets.UdpClient();
        var listener = new IPEndPoint(IPAddress.Loopback, port);

        // The listener is up once a datagram arrives (UDP is best-effort: one sent before it is bound is gone).
        await SendUntilStoredAsync("before: listening");
        await udp.SendAsync(Encoding.UTF8.GetBytes("<13>Oct  0 22:14:15 box before: day zero"), listener);
        await SendUntilStoredAsync("before: still listening");

        async Task SendUntilStoredAsync(string message)
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (true)
            {
                await udp.SendAsync(Encoding.UTF8.GetBytes("<13>" + message), listener);
                var logs = (await host.GetJsonAsync("/api/logs?agent=before&limit=100")).GetProperty("logs").EnumerateArray();
                if (logs.Any(l => l.GetProperty("message").GetString() == message.Split(": ")[1]))
                {
                    return;
                }

                Assert.True(DateTime.UtcNow < deadline, $"'{message}' was not stored within 20 s: the UDP listener stopped");
                await Task.Delay(200);
            }
        }
    }

    [Fact]
    public async Task An_unknown_content_type_gets_415()
    {
        await using var host = await TestHost.StartAsync();

        var otlp = await host.Client.PostAsync("/v1/logs", new StringContent("x", Encoding.UTF8, "text/plain"));
        var loki = await host.Client.PostAsync("/loki/api/v1/push", new StringContent("x", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, otlp.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, loki.StatusCode);
    }

    [Fact]
    public async Task A_gzip_body_inflating_past_the_size_limit_gets_413_and_stores_nothing()
    {
        await using var host = await TestHost.StartAsync();
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            // 11 MiB of zeros: a few kilobytes on the wire, past the 10 MiB limit once inflated.
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 11; i++)
            {
                gzip.Write(zeros);
            }
        }

        var content = Protobuf(compressed.ToArray());
        content.Headers.ContentEncoding.Add("gzip");
        var response = await host.Client.PostAsync("/v1/logs", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.True(compressed.Length < 100_000);

        // Positive control: the same encoding of a small request is inflated and stored.
        using var small = new MemoryStream();
        await using (var gzip = new GZipStream(small, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(new ExportLogsServiceRequest { ResourceLogs = { Resource("zipped", "inflated") } }.ToByteArray());
        }

        var ok = Protobuf(small.ToArray());
        ok.Headers.ContentEncoding.Add("gzip");
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync("/v1/logs", ok)).StatusCode);
        Assert.Equal(1, (await host.GetJsonAsync("/api/logs")).GetProperty("total").GetInt32());
    }

    private static ResourceLogs Resource(string service, params string[] messages)
    {
        var scope = new ScopeLogs();
        foreach (var message in messages)
        {
            scope.LogRecords.Add(new LogRecord { Body = new AnyValue { StringValue = message }, SeverityNumber = SeverityNumber.Info });
        }

        return new ResourceLogs
        {
            Resource = new Resource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = service } } } },
            ScopeLogs = { scope },
        };
    }

    private static ByteArrayContent Protobuf(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return content;
    }
}
