using LogAggregator.Testing;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>
/// One server per AGGREGATED_DIR: a second one would open the same DuckDB and SQLite files, serve nothing and refuse
/// every write, while reporting healthy. It refuses to start instead, and a crashed holder never blocks the next start.
/// </summary>
public sealed class DataDirectoryLockTests
{
    [Fact]
    public async Task Second_server_on_the_same_data_directory_refuses_to_start_naming_the_holder()
    {
        await using var holder = new ServerProcess();
        await holder.StartAsync();

        var (exitCode, lines) = await RunSecondServerAsync(holder);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(lines);
        Assert.Equal($"log-aggregator: AGGREGATED_DIR {holder.DataDir} is in use by process {holder.ProcessId}", line);
        // The holder is untouched: it still answers and still stores.
        var posted = await holder.Client.PostAsync("/api/logs", Json("""{"message":"after the refused start","agent":"LOCK"}"""));
        Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Server_starts_on_a_data_directory_whose_holder_was_killed()
    {
        await using var server = new ServerProcess();
        await server.StartAsync();
        var posted = await server.Client.PostAsync("/api/logs", Json("""{"message":"before the kill","agent":"LOCK"}"""));
        Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync());

        await server.KillAsync();
        await server.StartAsync();

        var entries = await server.AllEntriesAsync();
        Assert.Contains(entries, e => e.GetProperty("message").GetString() == "before the kill");
    }

    private static async Task<(int ExitCode, string[] Lines)> RunSecondServerAsync(ServerProcess holder)
    {
        var info = ServerLaunch.StartInfo(ServerLaunch.FreePort(), holder.Root, holder.DataDir, holder.LogDir);
        var run = await ServerLaunch.RunToExitAsync(info, TimeSpan.FromSeconds(30));
        Assert.True(run is not null, "the second server did not stop within 30 s: it started on a directory in use");
        return (run.ExitCode, run.ErrorLines);
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");
}
