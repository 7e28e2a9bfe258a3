using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LogAggregator.Testing;

/// <summary>
/// How the end-to-end tests and the benchmarks start the server as operators run it: `dotnet LogAggregator.Web.dll`
/// (from src/Web's build output, or from a publish: <see cref="PublishStartInfo"/>), on a free loopback port, with its
/// data and tailed files where the caller says.
/// Compiled into both projects (tests/Shared), so the two never drift apart.
/// </summary>
internal static class ServerLaunch
{
    /// <summary>The repository the running tests were built in: tests/X/bin/&lt;Configuration&gt;/net10.0 → ../../../../..</summary>
    public static string RepositoryRoot => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));

    /// <summary>tests/X/bin/&lt;Configuration&gt;/net10.0 → src/Web/bin/&lt;Configuration&gt;/net10.0/LogAggregator.Web.dll.</summary>
    public static string WebDll
    {
        get
        {
            var here = AppContext.BaseDirectory.TrimEnd('/');
            var framework = Path.GetFileName(here);
            var configuration = Path.GetFileName(Path.GetDirectoryName(here)!);
            var dll = Path.Combine(RepositoryRoot, "src", "Web", "bin", configuration, framework, "LogAggregator.Web.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("build src/Web first", dll);
        }
    }

    /// <summary>
    /// A server on <paramref name="port"/> keeping its data in <paramref name="dataDirectory"/> and tailing
    /// <paramref name="logDirectory"/>/*.log, rescanning every second, on any free cluster port, with HERMES
    /// pointed at a port nobody listens on.
    /// </summary>
    public static ProcessStartInfo StartInfo(int port, string workingDirectory, string dataDirectory, string logDirectory)
    {
        var info = new ProcessStartInfo("dotnet", [WebDll, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.Environment["AGGREGATED_DIR"] = dataDirectory;
        info.Environment["LOG_SOURCES"] = Path.Combine(logDirectory, "*.log");
        info.Environment["COLLECT_INTERVAL"] = "1";
        info.Environment["AKKA_PORT"] = "0";
        info.Environment["HERMES_URL"] = "http://127.0.0.1:9";
        return info;
    }

    /// <summary>
    /// README's deployment, `dotnet publish src/Web -c Release -o <paramref name="output"/>`, with its own bin and obj
    /// under <paramref name="artifacts"/> (--artifacts-path), so it never races a build over src/*/obj.
    /// </summary>
    public static ProcessStartInfo PublishStartInfo(string output, string artifacts)
    {
        var project = Path.Combine(RepositoryRoot, "src", "Web", "LogAggregator.Web.csproj");
        return new ProcessStartInfo("dotnet", ["publish", project, "-c", "Release", "-o", output, "--artifacts-path", artifacts, "--nologo", "-v", "q"]);
    }

    /// <summary>
    /// Runs a process to its exit, reading all it prints as it goes (a full pipe would stall it); null when it was still
    /// running after <paramref name="timeout"/>, its whole tree then killed so no test leaves a server behind.
    /// </summary>
    public static async Task<ProcessRun?> RunToExitAsync(ProcessStartInfo info, TimeSpan timeout)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var expiry = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(expiry.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return null;
        }

        return new ProcessRun(process.ExitCode, await stdout, await stderr);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>How a process run to its exit ended (<see cref="ServerLaunch.RunToExitAsync"/>).</summary>
internal sealed record ProcessRun(int ExitCode, string StandardOutput, string StandardError)
{
    public string[] ErrorLines => StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>A started server process and everything it printed, for the failure messages of whoever waits on it.</summary>
internal sealed class LaunchedServer : IDisposable
{
    private readonly StringBuilder _output = new();

    public LaunchedServer(ProcessStartInfo info)
    {
        Process = System.Diagnostics.Process.Start(info)!;
        Process.OutputDataReceived += (_, e) => Append(e.Data);
        Process.ErrorDataReceived += (_, e) => Append(e.Data);
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>SIGKILL to the whole tree, if it still runs: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public void Dispose() => Process.Dispose();
}
