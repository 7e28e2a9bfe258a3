using System.Diagnostics;
using LogAggregator.Testing;

namespace LogAggregator.Benchmarks;

/// <summary>
/// The server the benchmarks measure is the one operators deploy (README, "Running it as a service"): `dotnet publish
/// src/Web -c Release`, precompiled (ReadyToRun) for this machine. Published once per benchmark process into the benchmark's own
/// output directory, with its own bin and obj there (incremental: a second run with nothing changed takes seconds).
/// </summary>
public static class PublishedServer
{
    private static readonly Lazy<string> Published = new(Publish);

    /// <summary>The published LogAggregator.Web.dll.</summary>
    public static string Dll => Published.Value;

    private static string Publish()
    {
        var output = Path.Combine(AppContext.BaseDirectory, "server");
        var artifacts = Path.Combine(AppContext.BaseDirectory, "server-build");
        var clock = Stopwatch.StartNew();
        var run = ServerLaunch.RunToExitAsync(ServerLaunch.PublishStartInfo(output, artifacts), TimeSpan.FromMinutes(30)).GetAwaiter().GetResult()
            ?? throw new TimeoutException("dotnet publish src/Web ran longer than 30 minutes");
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish src/Web failed ({run.ExitCode}):\n{run.StandardOutput}\n{run.StandardError}");
        }

        Console.Error.WriteLine($"published the server to {output} in {clock.Elapsed.TotalSeconds:0.0} s");
        return Path.Combine(output, "LogAggregator.Web.dll");
    }
}
