using System.Net;
using System.Net.Http.Json;
using System.Reflection.PortableExecutable;

using LogAggregator.Testing;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>
/// The README's deployment, as an operator runs it: <c>dotnet publish src/Web -c Release -o DIR</c>, then
/// <c>dotnet DIR/LogAggregator.Web.dll</c>. The published assemblies carry precompiled (ReadyToRun) code, so a fresh
/// server does not JIT the code of its first requests, and the published layout finds its native stores (DuckDB,
/// SQLite) by itself.
/// </summary>
public sealed class DeploymentTests : IAsyncLifetime
{
    private readonly string _publishDir = Path.Combine(Path.GetTempPath(), "logagg-publish-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _artifactsDir = Path.Combine(Path.GetTempPath(), "logagg-publish-artifacts-" + Guid.NewGuid().ToString("N")[..12]);
    private ServerProcess? _server;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        foreach (var directory in new[] { _publishDir, _artifactsDir })
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task The_published_server_is_precompiled_and_keeps_and_finds_what_it_is_sent()
    {
        await PublishAsync();

        // Ours, the actor runtime's and the store driver's: the code a fresh server runs first.
        foreach (var assembly in new[] { "LogAggregator.Web.dll", "LogAggregator.Actors.dll", "Akka.dll", "DuckDB.NET.Data.dll" })
        {
            Assert.True(IsReadyToRun(Path.Combine(_publishDir, assembly)), $"{assembly} was published without precompiled code");
        }

        _server = new ServerProcess { ServerDll = Path.Combine(_publishDir, "LogAggregator.Web.dll") };
        await _server.StartAsync();

        var posted = await _server.Client.PostAsJsonAsync("/api/logs", new { agent = "ATLAS", level = "ERROR", message = "published build disk quota exceeded" });
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var found = await _server.GetJsonAsync("/api/logs/search?q=quota");
        var result = Assert.Single(found.GetProperty("results").EnumerateArray());
        Assert.Equal("published build disk quota exceeded", result.GetProperty("message").GetString());
        Assert.Equal(1, (await _server.GetJsonAsync("/api/stats")).GetProperty("by_level").GetProperty("ERROR").GetInt64());
    }

    private async Task PublishAsync()
    {
        var run = await ServerLaunch.RunToExitAsync(ServerLaunch.PublishStartInfo(_publishDir, _artifactsDir), TimeSpan.FromMinutes(10));
        Assert.True(run is not null, "dotnet publish ran longer than 10 minutes");
        Assert.True(run.ExitCode == 0, $"dotnet publish failed:\n{run.StandardOutput}\n{run.StandardError}");
    }

    /// <summary>A ReadyToRun image carries a managed native header beside its IL; a plain IL assembly does not.</summary>
    private static bool IsReadyToRun(string path)
    {
        using var reader = new PEReader(File.OpenRead(path));
        return reader.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }
}
