using Akka.Actor;
using Akka.Cluster;

namespace LogAggregator.Web.Controllers;

/// <summary>What about this node's cluster membership makes <c>/health</c> degraded, if anything.</summary>
public static class ClusterHealth
{
    /// <summary>
    /// Null while this node is Up and no other member shares its hostname. A node that has not joined yet (a node other
    /// than the first seed waits for a seed to answer) has no agent stores to reach: its POSTs would wait for the ask
    /// timeout, so it must not get traffic from a load balancer. Nor must a node that is leaving. Two members with one
    /// <c>AKKA_HOSTNAME</c> key their file checkpoints alike in the shared journal (docs/OPERATIONS.md), which must not
    /// go unnoticed.
    /// </summary>
    public static string? Problem(Member self, ClusterEvent.CurrentClusterState state, IReadOnlyList<string> seeds)
    {
        if (!state.Members.Any(m => m.UniqueAddress == self.UniqueAddress))
        {
            return seeds.Count == 0
                ? "cluster: this node has not joined itself yet"
                : "cluster: this node has not joined a cluster yet (waiting for a seed node to answer: " + string.Join(", ", seeds) + ")";
        }

        if (self.Status != MemberStatus.Up)
        {
            return $"cluster: this node is {self.Status}, not Up";
        }

        var twin = SameHostname(self.Address, state.Members).FirstOrDefault();
        return twin is null
            ? null
            : $"cluster: {twin} shares this node's AKKA_HOSTNAME {self.Address.Host}; each node keys its file checkpoints by its hostname, so every node needs its own";
    }

    /// <summary>
    /// The live members other than <paramref name="self"/> with its hostname: each would read and write this node's
    /// checkpoints in the shared journal. An earlier incarnation of this very address is not one.
    /// </summary>
    public static IEnumerable<Address> SameHostname(Address self, IEnumerable<Member> members) =>
        members
            .Where(m => m.Status is not (MemberStatus.Down or MemberStatus.Removed or MemberStatus.Exiting))
            .Where(m => !m.Address.Equals(self) && string.Equals(m.Address.Host, self.Host, StringComparison.OrdinalIgnoreCase))
            .Select(m => m.Address);
}
