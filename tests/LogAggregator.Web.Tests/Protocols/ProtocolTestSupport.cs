using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace LogAggregator.Web.Tests.Protocols;

internal static class ProtocolTestSupport
{
    /// <summary>The agent's entries, newest first, once there are at least <paramref name="count"/> of them.</summary>
    public static async Task<List<JsonElement>> WaitForEntriesAsync(TestHost host, string agent, int count, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var page = await host.GetJsonAsync($"/api/logs?agent={Uri.EscapeDataString(agent)}&limit=1000");
            var logs = page.GetProperty("logs").EnumerateArray().ToList();
            if (logs.Count >= count)
            {
                return logs;
            }

            if (DateTime.UtcNow > deadline)
            {
                var all = await host.GetJsonAsync("/api/logs?limit=20");
                throw new TimeoutException($"{logs.Count} of {count} entries of {agent} arrived within {seconds} s; stored: {all}");
            }

            await Task.Delay(100);
        }
    }

    public static JsonElement ByMessage(IEnumerable<JsonElement> logs, string fragment) =>
        logs.Single(l => l.GetProperty("message").GetString()!.Contains(fragment, StringComparison.Ordinal));

    public static DateTime Timestamp(JsonElement entry) =>
        entry.GetProperty("timestamp").GetDateTime().ToUniversalTime();

    public static JsonElement Metadata(JsonElement entry) => entry.GetProperty("metadata");

    public static int FreeTcpPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static int FreeUdpPort()
    {
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
    }

    /// <summary>A program the test needs; CI installs it (.ci/run), so its absence fails the test with the reason.</summary>
    public static string RequireProgram(string name, string installHint)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"]))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException($"'{name}' is not installed; {installHint} (.ci/run installs it)");
    }

    /// <summary>The repository's root, found from the test binaries upwards.</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LogAggregator.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("LogAggregator.sln not found above " + AppContext.BaseDirectory);
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(string program, string arguments, string workingDirectory, int seconds = 60)
    {
        var info = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {arguments} did not finish within {seconds} s: {await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
