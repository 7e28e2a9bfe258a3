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
        await Task.Delay(1500); // a duplicate would show up late: give it the chance
        var messages = (await _server.AllEntriesAsync()).Select(e => e.GetProperty("message").GetString()!).ToList();

        var expected = Enumerable.Range(0, 800).Select(i => $"line {i}").Concat(Enumerable.Range(0, 20).Select(i => $"posted {i}"));
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
                await file.WriteAsync($"2024-05-01 10:00:00 - ERROR - CERBERUS - crash test line {i:D6}\n");
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
        await Task.Delay(1500); // a duplicate would show up late: give it the chance

        var messages = (await _server.AllEntriesAsync()).Select(e => e.GetProperty("message").GetString()!).ToList();
        Assert.Equal(total, messages.Count);
        Assert.Equal(total, messages.Distinct().Count());
        Assert.Equal(total, stored);
    }

    private async Task<long> Total() =>
        (await _server.GetJsonAsync("/api/logs?limit=1")).GetProperty("total").GetInt64();
}
