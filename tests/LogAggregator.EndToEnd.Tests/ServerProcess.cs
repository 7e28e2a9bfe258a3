using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LogAggregator.Testing;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>
/// The server as operators run it: its own process (`dotnet LogAggregator.Web.dll`) on a free loopback port,
/// with data and tailed files in a temporary directory. It can be stopped gracefully or killed with SIGKILL
/// and started again on the same data.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private LaunchedServer? _server;

    public ServerProcess(string? root = null)
    {
        Root = root ?? Path.Combine(Path.GetTempPath(), "logagg-e2e-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(LogDir);
    }

    public string Root { get; }
    public string DataDir => Path.Combine(Root, "data");
    public string LogDir => Path.Combine(Root, "logs");
    public HttpClient Client { get; private set; } = new();
    public Dictionary<string, string> Environment { get; } = new();
    /// <summary>The address the server listens on (its clients still speak to 127.0.0.1).</summary>
    public string ListenHost { get; set; } = "127.0.0.1";
    /// <summary><c>https</c> with a certificate given through <see cref="Environment"/>.</summary>
    public string Scheme { get; set; } = "http";
    /// <summary>The handler of <see cref="Client"/> (e.g. one trusting a test certificate); null: the default.</summary>
    public Func<HttpMessageHandler>? Handler { get; set; }
    /// <summary>With API keys on: a key with the read scope, for the readiness probe only.</summary>
    public string? ReadKey { get; set; }

    /// <summary>
    /// Whether a start waits until the node is an Up member of its cluster (until then <c>/health</c> is degraded).
    /// A cluster of one joins itself within a second; a node of a larger cluster may wait for its seeds.
    /// </summary>
    public bool WaitForMembership { get; set; } = true;

    /// <summary>The server's entry assembly: src/Web's build output, or a published one (DeploymentTests).</summary>
    public string ServerDll { get; set; } = ServerLaunch.WebDll;

    public string Output => _server?.Output ?? "";

    /// <summary>The running server's process id (the `dotnet` host runs the server in-process).</summary>
    public int ProcessId => _server?.Process.Id ?? throw new InvalidOperationException("not started");

    public async Task StartAsync()
    {
        var port = ServerLaunch.FreePort();
        var info = ServerLaunch.StartInfo(port, Root, DataDir, LogDir);
        info.ArgumentList[0] = ServerDll;
        info.ArgumentList[^1] = $"{Scheme}://{ListenHost}:{port}";
        info.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in Environment)
        {
            info.Environment[key] = value;
        }

        _server?.Dispose();
        _server = new LaunchedServer(info);
        Client = new HttpClient(Handler?.Invoke() ?? new HttpClientHandler())
        {
            BaseAddress = new Uri($"{Scheme}://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(60),
        };
        await WaitUntilReadyAsync();
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_server!.Process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with {_server.Process.ExitCode}:\n{Output}");
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stats");
                if (ReadKey is not null)
                {
                    request.Headers.Add("X-API-Key", ReadKey);
                }

                if ((await Client.SendAsync(request)).IsSuccessStatusCode && (!WaitForMembership || await IsUpMemberAsync()))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"the server was not ready within 60 s:\n{Output}");
    }

    /// <summary><c>/health</c>: its status and its body, whichever the status (503 while the node is not an Up member).</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> HealthAsync()
    {
        using var response = await Client.GetAsync("/health");
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    /// <summary>Whether <c>/health</c> (whatever its status code) lists this node as an Up member.</summary>
    private async Task<bool> IsUpMemberAsync()
    {
        var cluster = (await HealthAsync()).Body.GetProperty("cluster");
        var self = cluster.GetProperty("self").GetString();
        return cluster.GetProperty("members").EnumerateArray()
            .Any(m => m.GetProperty("address").GetString() == self && m.GetProperty("status").GetString() == "Up");
    }

    /// <summary>SIGTERM, as systemd stops it; waits for a clean exit.</summary>
    public async Task StopAsync()
    {
        if (_server is null || _server.Process.HasExited)
        {
            return;
        }

        Signal("TERM");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _server.Process.WaitForExitAsync(timeout.Token);
        Client.Dispose();
    }

    /// <summary>SIGTERM without waiting, for tests that watch what happens while the server stops.</summary>
    public void Terminate() => Signal("TERM");

    /// <summary>Waits for the process to exit by itself; fails the test, with the server's output, after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _server!.Process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the server did not exit within {timeout.TotalSeconds:0} s:\n{Output}");
        }

        return _server.Process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        if (_server is null || _server.Process.HasExited)
        {
            return;
        }

        await _server.KillAsync();
        Client.Dispose();
    }

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _server!.Process.Id.ToString()]);
        kill.WaitForExit();
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        var response = await Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Every stored entry, paging through /api/logs.</summary>
    public async Task<List<JsonElement>> AllEntriesAsync(string filter = "")
    {
        var all = new List<JsonElement>();
        for (var offset = 0; ; offset += 1000)
        {
            var page = await GetJsonAsync($"/api/logs?limit=1000&offset={offset}{filter}");
            var logs = page.GetProperty("logs").EnumerateArray().ToList();
            all.AddRange(logs);
            if (logs.Count < 1000)
            {
                return all;
            }
        }
    }

    /// <summary>
    /// Polls until the condition holds and returns the value that satisfied it; throws, with the last value seen,
    /// when it never does. The timeout is generous: what it guards is correctness, not speed.
    /// </summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not reached within {timeout.TotalSeconds:0.#} s; last seen: {Describe(value)}");
            }

            await Task.Delay(100);
        }
    }

    private static string Describe<T>(T value) => value switch
    {
        System.Collections.ICollection items => $"{items.Count} item(s): "
            + string.Join(", ", items.Cast<object?>().Take(5)) + (items.Count > 5 ? ", …" : ""),
        _ => value?.ToString() ?? "null",
    };

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
