using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Remote;
using LogAggregator.Membership;
using LogAggregator.Testing;

namespace LogAggregator.Tests.Membership;

/// <summary>
/// Two cluster nodes in this process, over real TCP on loopback: the spec's system, which runs the quarantine, and a
/// second one that leaves gracefully (as on SIGTERM) and comes back at the same address.
/// </summary>
public sealed class DepartedMemberQuarantineSpecs : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    public DepartedMemberQuarantineSpecs()
        : base(NodeConfig(0), "quarantine")
    {
        Cluster.Get(Sys).Join(Cluster.Get(Sys).SelfAddress);
        AwaitCondition(() => Cluster.Get(Sys).SelfMember.Status == MemberStatus.Up, Wait);
    }

    [Fact]
    public async Task A_member_that_left_is_quarantined_by_its_uid_and_a_node_back_at_its_address_joins_afresh()
    {
        var quarantines = CreateTestProbe();
        Sys.EventStream.Subscribe(quarantines.Ref, typeof(QuarantinedEvent));
        Sys.ActorOf(DepartedMemberQuarantine.Props(TimeSpan.FromMilliseconds(200)), DepartedMemberQuarantine.ActorName);
        var port = ServerLaunch.FreePort();

        var departing = await StartMemberAsync(port);
        var departed = Cluster.Get(departing).SelfUniqueAddress;
        await Cluster.Get(departing).LeaveAsync();
        await departing.Terminate();
        AwaitCondition(() => Cluster.Get(Sys).State.Members.All(m => !m.UniqueAddress.Equals(departed)), Wait);

        var quarantined = quarantines.ExpectMsg<QuarantinedEvent>(Wait);
        Assert.Equal(departed.Address, quarantined.Address);
        Assert.Equal(departed.Uid, quarantined.Uid);

        // The quarantine holds the departed UID only: a new incarnation at the same address joins and stays reachable.
        var returning = await StartMemberAsync(port);
        try
        {
            Assert.Equal(departed.Address, Cluster.Get(returning).SelfAddress);
            Assert.NotEqual(departed.Uid, Cluster.Get(returning).SelfUniqueAddress.Uid);
            AwaitCondition(() => Cluster.Get(Sys).State.Unreachable.Count == 0 && Cluster.Get(Sys).State.Members.Count(m => m.Status == MemberStatus.Up) == 2, Wait);
            quarantines.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        }
        finally
        {
            await returning.Terminate();
        }
    }

    private async Task<ActorSystem> StartMemberAsync(int port)
    {
        var system = ActorSystem.Create("quarantine", NodeConfig(port));
        await Cluster.Get(system).JoinAsync(Cluster.Get(Sys).SelfAddress);
        return system;
    }

    private static Config NodeConfig(int port) => ConfigurationFactory.ParseString($$"""
        akka.loglevel = INFO
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{port}} }
        akka.cluster.min-nr-of-members = 1
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """);
}
