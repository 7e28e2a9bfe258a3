using System.Diagnostics;

using LogAggregator.Testing;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>An operator's mistake in the configuration stops the server at once, saying which setting is wrong.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("RETENTION_DAYS", "seven")]
    [InlineData("LOG_SOURCES", "/var/log/[ab]*.log")]
    [InlineData("COLLECT_INTERVAL", "-3")]
    public async Task Invalid_setting_stops_start_up_with_one_line_naming_the_variable(string variable, string value)
    {
        var info = new ProcessStartInfo("dotnet", [ServerLaunch.WebDll, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.Environment["AGGREGATED_DIR"] = Path.Combine(Path.GetTempPath(), "logagg-startup-" + Guid.NewGuid().ToString("N")[..8]);
        info.Environment[variable] = value;

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith($"log-aggregator: configuration error: {variable}", line);
    }

    [Fact]
    public async Task Seed_nodes_with_the_embedded_store_stop_start_up_with_one_line()
    {
        var info = new ProcessStartInfo("dotnet", [ServerLaunch.WebDll, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var dataDir = Path.Combine(Path.GetTempPath(), "logagg-startup-" + Guid.NewGuid().ToString("N")[..8]);
        info.Environment["AGGREGATED_DIR"] = dataDir;
        info.Environment["AKKA_PORT"] = "0";
        info.Environment["AKKA_SEEDS"] = "127.0.0.1:4053,127.0.0.1:4054";

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the server started with seed nodes on the embedded store");
        }

        _ = await stdout;
        Assert.Equal(2, process.ExitCode);
        var line = Assert.Single((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("log-aggregator: configuration error: AKKA_SEEDS", line);
        Assert.Contains("DATABASE_PROVIDER", line);
        // Refused before anything was written: no DuckDB or SQLite file was created.
        Assert.False(Directory.Exists(dataDir) && Directory.EnumerateFileSystemEntries(dataDir, "*", SearchOption.AllDirectories).Any());
    }
}
