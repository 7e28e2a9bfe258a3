using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Hosting;
using Akka.Remote;

namespace LogAggregator.Membership;

/// <summary>
/// Quarantines the incarnation of a member that left the cluster gracefully, once it is removed, so that this node
/// holds no association to it when a node comes back at its address.
/// <para>
/// Akka.NET quarantines a member removed after being downed, but a member that left (SIGTERM: Leaving, Exiting,
/// Removed) keeps its idle association here, with the departed incarnation's UID. A node restarted at that address
/// then meets it: its handshake finds an endpoint with another UID, which remoting stops while, in the same moment,
/// this node's own heartbeat to the newcomer may be connecting through it. Seen on CI (about one restart in eight):
/// each side then wrote into a connection the other no longer read, the two marked each other unreachable and the
/// split-brain resolver downed both. Quarantined, the old endpoint is gone before the newcomer arrives, and the
/// newcomer is met as any new address is (a connection both sides open at once is resolved by its UID).
/// </para>
/// <para>
/// Quarantine is by UID, so it never touches a newer incarnation at the same address. It waits <see cref="After"/>
/// past the removal so that the last messages between a departing node and the others are not cut off, as Akka on
/// the JVM does for its Artery transport (<c>akka.cluster.quarantine-removed-node-after</c>, 5 s there: here a
/// second, since on CI the node was back 5.6 s after its removal; its hand-overs end before it is removed).
/// </para>
/// </summary>
public sealed class DepartedMemberQuarantine : ReceiveActor, IWithTimers
{
    public const string ActorName = "departed-member-quarantine";

    /// <summary>How long after a member's removal its incarnation is quarantined.</summary>
    public static readonly TimeSpan After = TimeSpan.FromSeconds(1);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly TimeSpan _after;

    public DepartedMemberQuarantine(TimeSpan after)
    {
        _after = after;
        Receive<ClusterEvent.MemberRemoved>(OnRemoved);
        Receive<QuarantineDeparted>(departed =>
        {
            _log.Info("Quarantining the departed incarnation {Uid} of {Address}: a node back at that address starts afresh", departed.Member.Uid, departed.Member.Address);
            ((IRemoteActorRefProvider)((ExtendedActorSystem)Context.System).Provider).Quarantine(departed.Member.Address, departed.Member.Uid);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TimeSpan? after = null) => Akka.Actor.Props.Create(() => new DepartedMemberQuarantine(after ?? After));

    protected override void PreStart() => _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void OnRemoved(ClusterEvent.MemberRemoved removed)
    {
        // A downed member is quarantined by Akka itself (ClusterRemoteWatcher); this node's own removal ends it.
        if (removed.PreviousStatus == MemberStatus.Down || removed.Member.UniqueAddress.Equals(_cluster.SelfUniqueAddress))
        {
            return;
        }

        Timers.StartSingleTimer(removed.Member.UniqueAddress, new QuarantineDeparted(removed.Member.UniqueAddress), _after);
    }

    private sealed record QuarantineDeparted(UniqueAddress Member);
}

public static class DepartedMemberQuarantineHosting
{
    public static AkkaConfigurationBuilder AddDepartedMemberQuarantine(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, _) => system.ActorOf(DepartedMemberQuarantine.Props(), DepartedMemberQuarantine.ActorName));
}
