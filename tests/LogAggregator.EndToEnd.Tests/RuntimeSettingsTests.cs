using System.Text.Json;
using LogAggregator.Testing;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>
/// Runtime settings the server ships with in its runtimeconfig.json (set in src/Web's project file), as
/// `dotnet LogAggregator.Web.dll` starts it. Why each is set is said there and in docs/BENCHMARKS.md.
/// </summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void The_shipped_server_lets_an_idle_thread_pool_worker_sleep_at_once_instead_of_spinning()
    {
        var properties = ConfigProperties();

        Assert.True(properties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out var spinLimit),
            "runtimeconfig.json sets no spin limit: every timer tick of an idle server makes a worker spin before it sleeps");
        Assert.Equal(0, spinLimit.GetInt32());
    }

    private static JsonElement ConfigProperties()
    {
        var path = Path.ChangeExtension(ServerLaunch.WebDll, ".runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }
}
