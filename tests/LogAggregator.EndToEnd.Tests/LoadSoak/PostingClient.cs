using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Logs.V1;
using OpenTelemetry.Proto.Resource.V1;

namespace LogAggregator.EndToEnd.Tests.LoadSoak;

/// <summary>How a <see cref="PostingClient"/> sends its batches.</summary>
public enum PostingKind
{
    /// <summary>NDJSON to POST /api/logs.</summary>
    Http,

    /// <summary>OTLP/HTTP protobuf (an ExportLogsServiceRequest) to POST /v1/logs, one resource named after the agent.</summary>
    Otlp,
}

/// <summary>
/// One client posting numbered entries in batches for as long as the soak runs, as a shipper does: a 2xx means the
/// batch is committed; 503 and 429 mean it is not, and it is sent again after Retry-After; a refused connection
/// (the server restarting) means it was never sent, and it is sent again. A connection that broke after the request
/// went out (the SIGKILL) leaves the batch's fate unknown: it is sent again, and that batch is remembered as
/// "answer lost". Each entry's message is <c>h0 0000123 a1</c> (kind and client, sequence number, attempt), so the
/// tally tells a copy the server stored twice (the same attempt twice: a real double) from a copy the client sent
/// twice because it never heard the answer (two attempts of a batch whose earlier answer was lost).
/// </summary>
internal sealed class PostingClient(PostingKind kind, int id, Func<Uri> server, DateTime firstTimestamp)
{
    private const int BatchSize = 50;
    private readonly TimeSpan _pause = TimeSpan.FromMilliseconds(kind == PostingKind.Http ? 150 : 300);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly List<double> _latencies = [];
    private readonly HashSet<(int Sequence, int Attempt)> _answerLost = [];
    private readonly List<string> _failures = [];
    private Task? _loop;
    private int _sent;

    public PostingKind Kind { get; } = kind;
    public string Prefix => (Kind == PostingKind.Http ? "h" : "p") + id.ToString(CultureInfo.InvariantCulture);
    public string Agent => Prefix.ToUpperInvariant();

    /// <summary>Entries committed (answered 2xx) so far: sequence numbers 0 .. Committed-1.</summary>
    public int Committed => Volatile.Read(ref _sent);

    public int Batches { get; private set; }
    public int Busy { get; private set; }
    public int Refused { get; private set; }
    public int AnswersLost => _answerLost.Count;
    public IReadOnlyList<double> LatenciesMs => _latencies;
    public IReadOnlyList<string> Failures => _failures;

    /// <summary>Whether the attempt <paramref name="attempt"/> of the batch holding <paramref name="sequence"/> went out and its answer was lost.</summary>
    public bool AnswerLost(int sequence, int attempt) => _answerLost.Contains((sequence / BatchSize * BatchSize, attempt));

    public void Start(CancellationToken stop) => _loop = Task.Run(() => RunAsync(stop));

    /// <summary>Waits for the batch under way to be committed (stopping never abandons one half-decided).</summary>
    public Task StoppedAsync() => _loop ?? Task.CompletedTask;

    public static string Message(string prefix, int sequence, int attempt) => $"{prefix} {sequence:D7} a{attempt}";

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && _failures.Count == 0)
        {
            var first = _sent;
            for (var attempt = 0; ; attempt++)
            {
                if (await SendAsync(first, attempt))
                {
                    break;
                }

                if (_failures.Count > 0 || attempt > 10_000)
                {
                    return;
                }
            }

            Volatile.Write(ref _sent, first + BatchSize);
            Batches++;
            try
            {
                await Task.Delay(_pause, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>One attempt: true when committed; false when it is to be sent again (after waiting as told).</summary>
    private async Task<bool> SendAsync(int first, int attempt)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server(), Kind == PostingKind.Http ? "/api/logs" : "/v1/logs"))
        {
            Content = Body(first, attempt),
        };
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await _http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                _latencies.Add(clock.Elapsed.TotalMilliseconds);
                return true;
            }

            if (response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)
            {
                Busy++;
                await Task.Delay(RetryAfter(response));
                return false;
            }

            _failures.Add($"{Agent} batch {first} attempt {attempt}: {(int)response.StatusCode} {body}");
            return false;
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            // Nothing listened: the request never went out (the server is restarting).
            Refused++;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or ObjectDisposedException)
        {
            // The request may have gone out and been committed; only the answer is sure to be lost.
            _answerLost.Add((first, attempt));
        }

        await Task.Delay(200);
        return false;
    }

    private static TimeSpan RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter?.Delta is { } delta ? delta
        : response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow
        : TimeSpan.FromSeconds(1);

    /// <summary>The entry's timestamp: unique per client, a millisecond per sequence number after the soak began.</summary>
    public DateTime TimestampOf(int sequence) => firstTimestamp.AddMilliseconds(sequence);

    private HttpContent Body(int first, int attempt)
    {
        if (Kind == PostingKind.Http)
        {
            var text = new StringBuilder();
            for (var s = first; s < first + BatchSize; s++)
            {
                var timestamp = TimestampOf(s).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
                text.Append($$"""{"timestamp":"{{timestamp}}","level":"INFO","agent":"{{Agent}}","message":"{{Message(Prefix, s, attempt)}}"}""").Append('\n');
            }

            return new StringContent(text.ToString(), Encoding.UTF8, "application/x-ndjson");
        }

        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "load-soak" } };
        for (var s = first; s < first + BatchSize; s++)
        {
            scope.LogRecords.Add(new LogRecord
            {
                TimeUnixNano = (ulong)(TimestampOf(s) - DateTime.UnixEpoch).Ticks * 100,
                SeverityText = "INFO",
                Body = new AnyValue { StringValue = Message(Prefix, s, attempt) },
            });
        }

        var export = new ExportLogsServiceRequest
        {
            ResourceLogs =
            {
                new ResourceLogs
                {
                    Resource = new Resource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = Agent } } } },
                    ScopeLogs = { scope },
                },
            },
        };
        var content = new ByteArrayContent(export.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return content;
    }
}
