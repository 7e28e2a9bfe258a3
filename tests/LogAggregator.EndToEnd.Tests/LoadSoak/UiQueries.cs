using System.Diagnostics;
using System.Globalization;

namespace LogAggregator.EndToEnd.Tests.LoadSoak;

/// <summary>
/// What the web UI asks while the soak ingests: every second a histogram of the last 15 minutes in 60 buckets, the
/// newest page of 100 entries and a regex search over the same range, one after another as the page does; and a
/// live tail (Server-Sent Events) kept open, reconnected when the server restarts. Each query's round trip is
/// recorded per kind; a query the restarting server could not answer is counted, not timed.
/// </summary>
internal sealed class UiQueries(Func<Uri> server)
{
    public const string SearchPattern = @"h0 \d+7 a\d";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly Dictionary<string, List<double>> _latencies = new(StringComparer.Ordinal)
    {
        ["histogram"] = [],
        ["page"] = [],
        ["search"] = [],
    };

    private readonly List<string> _failures = [];
    private Task[] _loops = [];
    private long _tailEvents;

    public IReadOnlyDictionary<string, List<double>> LatenciesMs => _latencies;
    public IReadOnlyList<string> Failures => _failures;
    public int Unavailable { get; private set; }
    public int TailConnects { get; private set; }
    public int TailDropped { get; private set; }
    public long TailEvents => Interlocked.Read(ref _tailEvents);

    public void Start(CancellationToken stop) => _loops = [Task.Run(() => QueryAsync(stop)), Task.Run(() => TailAsync(stop))];

    public Task StoppedAsync() => Task.WhenAll(_loops);

    private async Task QueryAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var end = DateTime.UtcNow;
            var range = $"start_time={Time(end.AddMinutes(-15))}&end_time={Time(end)}";
            await TimeAsync("histogram", $"/api/logs/histogram?buckets=60&{range}");
            await TimeAsync("page", "/api/logs?limit=100");
            await TimeAsync("search", $"/api/logs/search?q={Uri.EscapeDataString(SearchPattern)}&limit=100&{range}");
            try
            {
                await Task.Delay(1000, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static string Time(DateTime time) =>
        Uri.EscapeDataString(time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));

    private async Task TimeAsync(string kind, string path)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await _http.GetAsync(new Uri(server(), path));
            var body = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                _latencies[kind].Add(clock.Elapsed.TotalMilliseconds);
            }
            else
            {
                Fail($"{kind}: {(int)response.StatusCode} {body[..Math.Min(body.Length, 300)]}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or ObjectDisposedException)
        {
            Unavailable++;
        }
    }

    /// <summary>The query loop and the tail both report here.</summary>
    private void Fail(string failure)
    {
        lock (_failures)
        {
            if (_failures.Count < 20)
            {
                _failures.Add(failure);
            }
        }
    }

    private async Task TailAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await _http.GetAsync(new Uri(server(), "/api/logs/tail"), HttpCompletionOption.ResponseHeadersRead, stop);
                if (!response.IsSuccessStatusCode)
                {
                    Fail($"tail: {(int)response.StatusCode}");
                }
                else
                {
                    TailConnects++;
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop));
                    while (await reader.ReadLineAsync(stop) is { } line)
                    {
                        if (line == "event: log")
                        {
                            Interlocked.Increment(ref _tailEvents);
                        }
                        else if (line == "event: dropped")
                        {
                            TailDropped++;
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or ObjectDisposedException)
            {
                // The server went away (the SIGKILL); the UI reconnects.
            }

            try
            {
                await Task.Delay(200, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
