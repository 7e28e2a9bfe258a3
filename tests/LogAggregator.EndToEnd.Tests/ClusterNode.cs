using System.Net;
using System.Text.Json;
using LogAggregator.Testing;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>
/// One node of a test cluster: a <see cref="ServerProcess"/> on the shared PostgreSQL database, with a loopback host
/// of its own (AKKA_HOSTNAME keys a node's tailers and discovery, so every node needs its own, as on real machines)
/// and a fixed Akka port (so a restarted node keeps its address), the cluster's seeds, HERMES at a fake, and an
/// operator file that makes the split-brain resolver decide in seconds instead of 20. HTTP stays on 127.0.0.1.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private int _lines;

    public ClusterNode(int number, string host, int akkaPort, string seeds, string connectionString, string hermesUrl)
    {
        Number = number;
        Host = host;
        AkkaPort = akkaPort;
        // The tests wait for membership themselves: a node that is not the first seed may wait for the others.
        Server = new ServerProcess { WaitForMembership = false };
        var config = Path.Combine(Server.Root, "cluster.conf");
        File.WriteAllText(config, """
            akka.cluster.split-brain-resolver.stable-after = 3s
            log-aggregator.http.ask-timeout = 5s
            log-aggregator.alerting {
              delivery { min-backoff = 200ms, max-backoff = 1s, request-timeout = 2s }
              daily-summary.enabled = off
              silent-agents.enabled = off
            }
            """);
        Server.Environment["LOG_AGGREGATOR_CONFIG"] = config;
        Server.Environment["DATABASE_PROVIDER"] = "postgresql";
        Server.Environment["DATABASE_CONNECTION"] = connectionString;
        Server.Environment["AKKA_HOSTNAME"] = host;
        Server.Environment["AKKA_PORT"] = akkaPort.ToString();
        Server.Environment["AKKA_SEEDS"] = seeds;
        Server.Environment["HERMES_URL"] = hermesUrl;
    }

    public int Number { get; }

    public string Host { get; }

    public int AkkaPort { get; private set; }

    public string Address => $"akka.tcp://log-aggregator@{Host}:{AkkaPort}";

    /// <summary>The next start binds the cluster port <paramref name="port"/>: the same node, at another address.</summary>
    public void MoveToPort(int port)
    {
        AkkaPort = port;
        Server.Environment["AKKA_PORT"] = port.ToString();
    }

    public ServerProcess Server { get; }

    /// <summary>The agent of the lines this node tails from its own file.</summary>
    public string TailAgent => $"tail-{Number}";

    public bool Running { get; private set; }

    public async Task StartAsync()
    {
        await Server.StartAsync();
        Running = true;
    }

    public async Task TerminateAsync()
    {
        Running = false;
        Server.Terminate();
        Assert.Equal(0, await Server.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    public async Task KillAsync()
    {
        Running = false;
        await Server.KillAsync();
    }

    /// <summary>Appends <paramref name="count"/> numbered lines to the file this node tails.</summary>
    public void AppendLines(int count)
    {
        using var writer = File.AppendText(Path.Combine(Server.LogDir, "app.log"));
        for (var i = 0; i < count; i++)
        {
            _lines++;
            writer.WriteLine(JsonSerializer.Serialize(new { level = "INFO", agent = TailAgent, message = $"line {_lines} of node {Number}" }));
        }
    }

    /// <summary>How many lines this node wrote to its file so far.</summary>
    public int LinesWritten => _lines;

    public async Task<JsonElement> ClusterAsync() => (await HealthAsync()).Body.GetProperty("cluster");

    /// <inheritdoc cref="ServerProcess.HealthAsync"/>
    public Task<(HttpStatusCode Status, JsonElement Body)> HealthAsync() => Server.HealthAsync();

    /// <summary>The addresses of the members this node sees, whatever their status (Joining, Leaving, Exiting, Up...).</summary>
    public Task<List<string>> MembersAsync() => AddressesAsync(_ => true);

    /// <summary>The addresses of the members this node sees Up.</summary>
    public Task<List<string>> MembersUpAsync() => AddressesAsync(m => m.GetProperty("status").GetString() == "Up");

    private async Task<List<string>> AddressesAsync(Func<JsonElement, bool> which) =>
        (await ClusterAsync()).GetProperty("members").EnumerateArray()
            .Where(which)
            .Select(m => m.GetProperty("address").GetString()!)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The shards of <paramref name="region"/> this node hosts.</summary>
    public async Task<int> ShardsAsync(string region) =>
        (await ClusterAsync()).GetProperty("shards").EnumerateArray()
            .Where(r => r.GetProperty("region").GetString() == region)
            .Sum(r => r.GetProperty("shards").GetInt32());

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
