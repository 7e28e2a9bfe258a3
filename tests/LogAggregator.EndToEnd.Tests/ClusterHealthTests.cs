using System.Net;
using System.Text.Json;
using LogAggregator.Testing;

namespace LogAggregator.EndToEnd.Tests;

/// <summary>
/// <c>/health</c> of a cluster node tells a load balancer (and the operator at 3 a.m.) when the node must not get
/// traffic: it has not joined a cluster yet, or it shares its <c>AKKA_HOSTNAME</c>, which keys its file checkpoints,
/// with another member. Real processes on one real PostgreSQL database, as <see cref="ClusterTests"/>.
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
        var first = new ClusterNode(1, ports[0], seeds, database, "http://127.0.0.1:9");
        var second = new ClusterNode(2, ports[1], seeds, database, "http://127.0.0.1:9");
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

    [Fact]
    public async Task Two_members_with_one_hostname_are_degraded_naming_it()
    {
        var database = await PostgresCluster.Instance.CreateDatabaseAsync();
        var ports = new[] { ServerLaunch.FreePort(), ServerLaunch.FreePort() };
        // Node "1" twice: the second has the first's hostname (127.0.0.1) on another port.
        var seeds = $"127.0.0.1:{ports[0]}";
        var first = new ClusterNode(1, ports[0], seeds, database, "http://127.0.0.1:9");
        var twin = new ClusterNode(1, ports[1], seeds, database, "http://127.0.0.1:9");
        try
        {
            await first.StartAsync();
            var alone = await ServerProcess.EventuallyAsync(() => first.HealthAsync(), h => h.Status == HttpStatusCode.OK, Wait);
            Assert.Equal("healthy", alone.Body.GetProperty("status").GetString());

            await twin.StartAsync();
            foreach (var node in new[] { first, twin })
            {
                // The twin is degraded at first for having not joined yet; then, like the first, for the clash.
                var clash = await ServerProcess.EventuallyAsync(
                    () => node.HealthAsync(),
                    h => h.Status == HttpStatusCode.ServiceUnavailable && Reason(h).Contains("AKKA_HOSTNAME", StringComparison.Ordinal),
                    Wait);
                var reason = Reason(clash);
                Assert.Contains("shares this node's AKKA_HOSTNAME 127.0.0.1", reason);
                Assert.Contains(node == first ? twin.Address : first.Address, reason);
            }
        }
        finally
        {
            await first.DisposeAsync();
            await twin.DisposeAsync();
            await PostgresCluster.Instance.DropDatabaseAsync(database);
        }
    }

    private static string Reason((HttpStatusCode Status, JsonElement Body) health) =>
        health.Body.GetProperty("reason").GetString() ?? "";
}
