using System.Globalization;
using System.Net.Http.Json;
using System.Text;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>Every line is kept, never lost and never doubled, across restarts and crashes.</summary>
public sealed class RestartTests : IAsyncLifetime
{
    private readonly ServerProcess _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_restart_keeps_every_line_exactly_once()
    {
        var path = Path.Combine(_server.LogDir, "atlas.log");
        await File.WriteAllLinesAsync(path, Enumerable.Range(0, 500).Select(i => $"INFO - line {i}"));
        await _server.StartAsync();
        for (var i = 0; i < 20; i++)
        {
            var response = await _server.Client.PostAsJsonAsync("/api/logs", new { agent = "POSTER", message = $"posted {i}" });
            response.EnsureSuccessStatusCode();
        }

        await ServerProcess.EventuallyAsync(() => Total(), t => t == 520, TimeSpan.FromSeconds(30));
        await _server.StopAsync();

        await File.AppendAllLinesAsync(path, Enumerable.Range(500, 300).Select(i => $"INFO - line {i}"));
        await _server.StartAsync();

        await ServerProcess.EventuallyAsync(() => Total(), t => t >= 820, TimeSpan.FromSeconds(30));
        // A duplicate would come from reading the file again before this last line: once it is stored, a
        // duplicate would be stored too.
        await File.AppendAllLinesAsync(path, ["INFO - end marker"]);
        var messages = await ServerProcess.EventuallyAsync(
            async () => (await _server.AllEntriesAsync()).Select(e => e.GetProperty("message").GetString()!).ToList(),
            m => m.Contains("end marker"), TimeSpan.FromSeconds(30));

        var expected = Enumerable.Range(0, 800).Select(i => $"line {i}").Concat(Enumerable.Range(0, 20).Select(i => $"posted {i}")).Append("end marker");
        Assert.Equal(expected.Order(), messages.Order());
    }

    [Fact]
    public async Task A_crash_in_the_middle_of_a_large_append_loses_and_doubles_nothing()
    {
        const int total = 300_000;
        var path = Path.Combine(_server.LogDir, "cerberus.log");
        await File.WriteAllTextAsync(path, "");
        await _server.StartAsync();

        // An agent appends 300,000 lines in bursts; the server is killed with SIGKILL while it is ingesting them.
        var writer = Task.Run(async () =>
        {
            await using var file = new StreamWriter(path, append: true, Encoding.UTF8);
            for (var i = 0; i < total; i++)
            {
                var time = Start.AddMilliseconds(i * 10).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
                await file.WriteAsync($"{time} - ERROR - CERBERUS - crash test line {i:D6}\n");
                if (i % 10_000 == 9_999)
                {
                    await file.FlushAsync();
                    await Task.Delay(50);
                }
            }
        });
        var before = await ServerProcess.EventuallyAsync(() => Total(), t => t > 20_000, TimeSpan.FromSeconds(60));
        await _server.KillAsync();
        await writer;
        Assert.InRange(before, 20_001, total - 1);

        await _server.StartAsync();
        var stored = await ServerProcess.EventuallyAsync(() => Total(), t => t >= total, TimeSpan.FromSeconds(120));
        // A duplicate would come from reading the file again before this last line (stamped outside every window
        // below): once it is stored, a duplicate would be stored too.
        var marker = Start.AddHours(2);
        await File.AppendAllTextAsync(path, marker.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " - INFO - CERBERUS - end marker\n");
        await ServerProcess.EventuallyAsync(
            async () => (await _server.GetJsonAsync("/api/logs?start_time=" + marker.ToString("O", CultureInfo.InvariantCulture))).GetProperty("total").GetInt64(),
            t => t == 1, TimeSpan.FromSeconds(30));

        // Each line has its own timestamp, 10 ms apart: read them back a 10 s window (1,000 lines) at a time.
        var messages = new List<string>();
        for (var window = 0; window < total / 1000; window++)
        {
            var from = Start.AddSeconds(window * 10).ToString("O", CultureInfo.InvariantCulture);
            var to = Start.AddSeconds((window + 1) * 10).ToString("O", CultureInfo.InvariantCulture);
            var page = await _server.GetJsonAsync($"/api/logs?limit=1000&start_time={from}&end_time={to}");
            var logs = page.GetProperty("logs").EnumerateArray().Select(e => e.GetProperty("message").GetString()!).ToList();
            Assert.True(page.GetProperty("total").GetInt64() == 1000,
                $"window {window} holds {page.GetProperty("total")} entries: {string.Join(", ", logs.Order().Take(3))} … {string.Join(", ", logs.Order().TakeLast(3))}");
            messages.AddRange(logs);
        }

        Assert.Equal(total, stored);
        Assert.Equal(total, messages.Count);
        Assert.Equal(Enumerable.Range(0, total).Select(i => $"crash test line {i:D6}"), messages.Order(StringComparer.Ordinal));
    }

    private static readonly DateTime Start = new(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc);

    private async Task<long> Total() =>
        (await _server.GetJsonAsync("/api/logs?limit=1")).GetProperty("total").GetInt64();
}
