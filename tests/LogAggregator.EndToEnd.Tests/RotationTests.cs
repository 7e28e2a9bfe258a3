using System.Globalization;
using System.Text;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>Files rotated while the server was down are finished from their checkpoint: every line exactly once.</summary>
public sealed class RotationTests : IAsyncLifetime
{
    private static readonly DateTime Start = new(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc);

    private readonly ServerProcess _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_file_rotated_out_of_the_glob_while_the_server_was_stopped_loses_no_line()
    {
        var path = Path.Combine(_server.LogDir, "atlas.log");
        await File.WriteAllLinesAsync(path, Lines(0, 100));
        await _server.StartAsync();
        await ServerProcess.EventuallyAsync(Total, t => t == 100, TimeSpan.FromSeconds(30));
        await _server.StopAsync();

        await File.AppendAllLinesAsync(path, Lines(100, 200));
        File.Move(path, path + ".1");
        await File.WriteAllLinesAsync(path, Lines(300, 50));
        await _server.StartAsync();

        await AssertEveryLineOnceAsync(path, 350);
    }

    [Fact]
    public async Task A_file_rotated_out_of_the_glob_after_a_crash_loses_and_doubles_nothing()
    {
        const int total = 60_000;
        var path = Path.Combine(_server.LogDir, "cerberus.log");
        await File.WriteAllTextAsync(path, "");
        await _server.StartAsync();

        // A first part is written and partly read when the server is killed; the rest is written while it is down,
        // so the crash always leaves an unread tail, however fast this machine ingests.
        await AppendAsync(path, 0, 10_000);
        var before = await ServerProcess.EventuallyAsync(Total, t => t > 5_000, TimeSpan.FromSeconds(60));
        await _server.KillAsync();
        await AppendAsync(path, 10_000, total);
        Assert.InRange(before, 5_001, total - 1);

        // logrotate ran while the server was down: the file with its unread tail now has a name outside the glob.
        File.Move(path, path + "-20240501");
        await File.WriteAllLinesAsync(path, Lines(total, 100));
        await _server.StartAsync();

        await AssertEveryLineOnceAsync(path, total + 100);
    }

    private static async Task AppendAsync(string path, int from, int to)
    {
        await using var file = new StreamWriter(path, append: true, Encoding.UTF8);
        for (var i = from; i < to; i++)
        {
            await file.WriteAsync(Line(i) + "\n");
        }
    }

    private async Task AssertEveryLineOnceAsync(string path, int count)
    {
        await ServerProcess.EventuallyAsync(Total, t => t >= count, TimeSpan.FromSeconds(120));
        // A duplicate would come from reading a file again before this last line: once it is stored, so would that be.
        var marker = Start.AddHours(10);
        await File.AppendAllTextAsync(path, marker.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " - INFO - CERBERUS - end marker\n");
        await ServerProcess.EventuallyAsync(
            async () => (await _server.GetJsonAsync("/api/logs?start_time=" + marker.ToString("O", CultureInfo.InvariantCulture))).GetProperty("total").GetInt64(),
            t => t == 1, TimeSpan.FromSeconds(30));

        var messages = new List<string>();
        for (var window = 0; window * 1000 < count; window++)
        {
            var from = Start.AddSeconds(window * 10).ToString("O", CultureInfo.InvariantCulture);
            var to = Start.AddSeconds((window + 1) * 10).ToString("O", CultureInfo.InvariantCulture);
            var page = await _server.GetJsonAsync($"/api/logs?limit=1000&start_time={from}&end_time={to}");
            messages.AddRange(page.GetProperty("logs").EnumerateArray().Select(e => e.GetProperty("message").GetString()!));
        }

        var expected = Enumerable.Range(0, count).Select(i => $"line {i:D6}").ToList();
        Assert.True(expected.SequenceEqual(messages.Order(StringComparer.Ordinal)),
            $"expected {count} lines, stored {messages.Count}; missing {expected.Except(messages).Count()} "
            + $"(first {string.Join(", ", expected.Except(messages).Take(3))}); doubled {messages.Count - messages.Distinct().Count()}");
        Assert.Equal(count + 1, await Total());
    }

    // Each line its own timestamp, 10 ms apart, so they can be read back 1,000 at a time.
    private static string Line(int i) =>
        $"{Start.AddMilliseconds(i * 10).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)} - INFO - CERBERUS - line {i:D6}";

    private static IEnumerable<string> Lines(int from, int count) => Enumerable.Range(from, count).Select(Line);

    private async Task<long> Total() =>
        (await _server.GetJsonAsync("/api/logs?limit=1")).GetProperty("total").GetInt64();
}
