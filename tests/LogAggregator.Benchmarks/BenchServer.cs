using System.Diagnostics;
using System.Text.Json;
using LogAggregator.Testing;

namespace LogAggregator.Benchmarks;

/// <summary>
/// The server as operators run it (`dotnet LogAggregator.Web.dll` from its publish, <see cref="PublishedServer"/>), on a free loopback port, with its
/// data and tailed files in a fresh directory, so each measurement starts from an empty store.
/// </summary>
public sealed class BenchServer : IAsyncDisposable
{
    private readonly string _dataDirectory;
    private LaunchedServer? _server;

    /// <param name="root">Fresh directory for tailed files; deleted on dispose.</param>
    /// <param name="dataDirectory">AGGREGATED_DIR; defaults to root/data. One given here is kept on dispose, so a
    /// prepared store can be reused.</param>
    public BenchServer(string root, string? dataDirectory = null)
    {
        Root = root;
        _dataDirectory = dataDirectory ?? Path.Combine(root, "data");
        Directory.CreateDirectory(LogDir);
    }

    public string Root { get; }

    public string LogDir => Path.Combine(Root, "logs");

    public HttpClient Client { get; private set; } = new();

    /// <summary>CPU seconds of a store that runs in processes of its own (PostgreSQL), counted beside the server's.</summary>
    public Func<double>? StoreCpuSeconds { get; init; }

    /// <summary>Variables set over ServerLaunch's (e.g. HERMES_URL pointing at a stand-in).</summary>
    public Dictionary<string, string> Environment { get; } = new();

    public async Task StartAsync()
    {
        var port = ServerLaunch.FreePort();
        var info = ServerLaunch.StartInfo(port, Root, _dataDirectory, LogDir);
        info.ArgumentList[0] = PublishedServer.Dll;
        foreach (var (name, value) in Environment)
        {
            info.Environment[name] = value;
        }

        // GC knobs and the like reach the server from the benchmark's own environment (DOTNET_gcServer=1 ...).

        _server?.Dispose();
        _server = new LaunchedServer(info);
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_server.Process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with {_server.Process.ExitCode}:\n{Output}");
            }

            try
            {
                if ((await Client.GetAsync("/api/stats")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"the server was not ready within 60 s:\n{Output}");
    }

    public string Output => _server?.Output ?? "";

    /// <summary>SIGTERM, as systemd stops the server; the exit code, or null when it had not exited after <paramref name="patience"/>.</summary>
    public async Task<int?> TerminateAsync(TimeSpan patience)
    {
        using (var kill = Process.Start("kill", ["-TERM", _server!.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(patience);
        try
        {
            await _server.Process.WaitForExitAsync(timeout.Token);
            return _server.Process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async Task<long> TotalLogsAsync()
    {
        var body = await Client.GetStringAsync("/api/stats");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("total_logs").GetInt64();
    }

    /// <summary>Peak resident set of the server process so far, in MiB (VmHWM).</summary>
    public double PeakRssMiB() => StatusMiB("VmHWM:");

    /// <summary>Resident set of the server process now, in MiB (VmRSS).</summary>
    public double RssMiB() => StatusMiB("VmRSS:");

    private double StatusMiB(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{_server!.Process.Id}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0]) / 1024.0;
            }
        }

        return double.NaN;
    }

    /// <summary>User + system CPU the server has used, in seconds (utime and stime of /proc/pid/stat).</summary>
    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{_server!.Process.Id}/stat");
        // The command name may hold spaces; the fields after its closing parenthesis do not.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
    }

    /// <summary>
    /// The server's busiest threads by CPU seconds (name from /proc/pid/task/*/comm): shows which stage is saturated,
    /// e.g. the DuckDB writer thread near 100% of the elapsed time means the store is the bottleneck.
    /// </summary>
    public IReadOnlyList<(string Thread, double CpuSeconds)> BusiestThreads(int count) =>
        // Thread pool and DuckDB workers share names: summed per name, they read as one stage.
        ServerThread.Of(_server!.Process.Id)
            .GroupBy(t => t.Name)
            .Select(g => (Thread: g.Key, CpuSeconds: g.Sum(t => t.CpuSeconds)))
            .OrderByDescending(t => t.CpuSeconds)
            .Take(count)
            .ToList();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.KillAsync();
            _server.Dispose();
        }

        Client.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
