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
        var info = StartInfo(NewDataDirectory());
        info.Environment[variable] = value;

        var run = await ServerLaunch.RunToExitAsync(info, TimeSpan.FromSeconds(30));

        Assert.True(run is not null, $"the server started with {variable}={value}");
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith($"log-aggregator: configuration error: {variable}", line);
    }

    [Fact]
    public async Task Seed_nodes_with_the_embedded_store_stop_start_up_with_one_line()
    {
        var dataDir = NewDataDirectory();
        var info = StartInfo(dataDir);
        info.Environment["AKKA_PORT"] = "0";
        info.Environment["AKKA_SEEDS"] = "127.0.0.1:4053,127.0.0.1:4054";

        var run = await ServerLaunch.RunToExitAsync(info, TimeSpan.FromSeconds(30));

        Assert.True(run is not null, "the server started with seed nodes on the embedded store");
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("log-aggregator: configuration error: AKKA_SEEDS", line);
        Assert.Contains("DATABASE_PROVIDER", line);
        // Refused before anything was written: no DuckDB or SQLite file was created.
        Assert.False(Directory.Exists(dataDir) && Directory.EnumerateFileSystemEntries(dataDir, "*", SearchOption.AllDirectories).Any());
    }

    private static ProcessStartInfo StartInfo(string dataDirectory)
    {
        var info = new ProcessStartInfo("dotnet", [ServerLaunch.WebDll, "--urls", "http://127.0.0.1:0"]);
        info.Environment["AGGREGATED_DIR"] = dataDirectory;
        return info;
    }

    private static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "logagg-startup-" + Guid.NewGuid().ToString("N")[..8]);
}
