using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using LogAggregator.Alerting;

namespace LogAggregator.Tests.Alerting;

/// <summary>The alerting dispatcher of the shipped configuration runs its actors on named threads at a lower priority.</summary>
public sealed class AlertingDispatcherSpecs() : TestKit(ShippedDispatcher())
{
    [Fact]
    public void An_actor_on_the_alerting_dispatcher_runs_on_its_own_threads_at_nice_10()
    {
        var own = ThreadNiceness.Current()!.Value;
        var actor = Sys.ActorOf(Props.Create(() => new WhereAmI()).WithDispatcher(AlertingDispatcher.Id));

        actor.Tell("where");

        var (thread, nice) = ExpectMsg<(string Thread, int? Nice)>();
        Assert.StartsWith("alerting-", thread);
        Assert.Equal(Math.Max(10, own), nice);
        Assert.Equal(own, ThreadNiceness.Current());
    }

    /// <summary>The shipped hocon/logaggregator.conf, in an actor system of its own (not a cluster node).</summary>
    private static Config ShippedDispatcher() =>
        ConfigurationFactory.ParseString("akka.actor.provider = local")
            .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(ShippedSettings.File)));

    private sealed class WhereAmI : ReceiveActor
    {
        public WhereAmI() => ReceiveAny(_ => Sender.Tell((Thread.CurrentThread.Name ?? "", ThreadNiceness.Current())));
    }
}
