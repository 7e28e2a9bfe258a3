using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text.Json;
using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Web.Tests;

/// <summary>/health tells what ingestion is doing: files tailed, names skipped and why, tailers that keep failing.</summary>
public sealed class IngestionHealthApiTests : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(decorateStore: PoisonedStore.Around);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Health_lists_skipped_files_and_turns_degraded_while_a_tailer_keeps_failing()
    {
        using (var mkfifo = Process.Start("mkfifo", Path.Combine(_host.LogDir, "pipe.log")))
        {
            await mkfifo.WaitForExitAsync();
        }

        await File.WriteAllLinesAsync(Path.Combine(_host.LogDir, "fine.log"), ["INFO - fine"]);

        // Healthy first: the normal file tailed, the FIFO skipped with its reason.
        var healthy = await EventuallyAsync(health =>
            health.Status == HttpStatusCode.OK && health.Body.GetProperty("ingestion").GetProperty("tailed_files").GetInt32() == 1
            && health.Body.GetProperty("ingestion").GetProperty("skipped").GetArrayLength() == 1);
        Assert.Equal("healthy", healthy.GetProperty("status").GetString());
        var skipped = healthy.GetProperty("ingestion").GetProperty("skipped")[0];
        Assert.Equal(Path.Combine(_host.LogDir, "pipe.log"), skipped.GetProperty("path").GetString());
        Assert.Contains("FIFO", skipped.GetProperty("reason").GetString());
        Assert.Empty(healthy.GetProperty("ingestion").GetProperty("stuck").EnumerateArray());
        // Files whose tailers are not reading yet: none once the file is stored.
        await EventuallyAsync(health => health.Body.GetProperty("ingestion").GetProperty("starting").GetInt32() == 0);

        // The store refuses this file's lines every time: its tailer is restarted again and again.
        var poison = Path.Combine(_host.LogDir, "poison.log");
        await File.WriteAllLinesAsync(poison, ["INFO - refused"]);

        var degraded = await EventuallyAsync(health => health.Status == HttpStatusCode.ServiceUnavailable);
        Assert.Equal("degraded", degraded.GetProperty("status").GetString());
        Assert.Contains("poison.log", degraded.GetProperty("reason").GetString());
        var stuck = Assert.Single(degraded.GetProperty("ingestion").GetProperty("stuck").EnumerateArray());
        Assert.Equal(poison, stuck.GetProperty("path").GetString());
        Assert.Contains("failed", stuck.GetProperty("reason").GetString());
    }

    private async Task<JsonElement> EventuallyAsync(Func<(HttpStatusCode Status, JsonElement Body), bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var response = await _host.Client.GetAsync("/health");
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            if (done((response.StatusCode, body)))
            {
                return body;
            }

            Assert.True(DateTime.UtcNow < deadline, $"/health did not get there within 30 s; last {(int)response.StatusCode}: {body}");
            await Task.Delay(100);
        }
    }

    /// <summary>The real store, except that it fails every append holding an entry of the agent POISON.</summary>
    public class PoisonedStore : DispatchProxy
    {
        private ILogStore _inner = null!;

        public static ILogStore Around(ILogStore inner)
        {
            var store = DispatchProxy.Create<ILogStore, PoisonedStore>();
            ((PoisonedStore)(object)store)._inner = inner;
            return store;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            if (method!.Name == nameof(ILogStore.AppendAsync) && args![0] is IReadOnlyList<LogEntry> entries && entries.Any(e => e.AgentKey == "POISON"))
            {
                return Task.FromException<IReadOnlyList<string>>(new IOException("poisoned"));
            }

            try
            {
                return method.Invoke(_inner, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw e.InnerException;
            }
        }
    }
}
