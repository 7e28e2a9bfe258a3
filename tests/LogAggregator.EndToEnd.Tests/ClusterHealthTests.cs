using System.Net;
using System.Text.Json;
using LogAggregator.Testing;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>
/// <c>/health</c> of a cluster node tells a load balancer (and the operator at 3 a.m.) when the node must not get
/// traffic: it has not joined a cluster yet (a clash of hostnames is shown at the end of <see cref="ClusterTests"/>).
/// Real processes on one real PostgreSQL database.
/// </summary>
public sealed class ClusterHealthTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_node_waiting_for_its_seeds_is_degraded_until_it_has_joined()
    {
        var database = await PostgresCluster.Instance.CreateDatabaseAsync();
        var ports = new[] { ServerLaunch.FreePort(), ServerLaunch.FreePort() };
        var seeds = $"127.0.0.1:{ports[0]},127.0.0.2:{ports[1]}";
        var first = new ClusterNode(1, "127.0.0.1", ports[0], seeds, database, "http://127.0.0.1:9");
        var second = new ClusterNode(2, "127.0.0.2", ports[1], seeds, database, "http://127.0.0.1:9");
        try
        {
            // Not the first seed: it never forms a cluster alone, so its agent stores are out of reach.
            await second.StartAsync();
            var waiting = await second.HealthAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, waiting.Status);
            Assert.Equal("degraded", waiting.Body.GetProperty("status").GetString());
            Assert.Contains("has not joined a cluster yet", waiting.Body.GetProperty("reason").GetString());
            Assert.Contains($"127.0.0.1:{ports[0]}", waiting.Body.GetProperty("reason").GetString());

            await first.StartAsync();
            var joined = await ServerProcess.EventuallyAsync(() => second.HealthAsync(), h => h.Status == HttpStatusCode.OK, Wait);
            Assert.Equal("healthy", joined.Body.GetProperty("status").GetString());
            Assert.Equal(2, joined.Body.GetProperty("cluster").GetProperty("members").GetArrayLength());
        }
        finally
        {
            await first.DisposeAsync();
            await second.DisposeAsync();
            await PostgresCluster.Instance.DropDatabaseAsync(database);
        }
    }
}
