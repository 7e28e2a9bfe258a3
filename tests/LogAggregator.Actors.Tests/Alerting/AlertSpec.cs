using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit;
using LogAggregator.Alerting;
using LogAggregator.Configuration;
using LogAggregator.Model;
using LogAggregator.Storage;
using static LogAggregator.Alerting.AlertNotifierProtocol;
using static LogAggregator.Storage.AgentStoreProtocol;

namespace LogAggregator.Tests.Alerting;

/// <summary>
/// Alerting on real files: entries committed to DuckDB by real agent stores, handed to threshold entities that
/// journal to SQLite, a probe in place of the notifier, and a clock the spec moves.
/// </summary>
public abstract class AlertSpec : ActorSpec
{
    protected static readonly DateTimeOffset Start = new(2024, 1, 15, 10, 0, 0, TimeSpan.Zero);

    private long _batch;

    protected AlertSpec()
    {
        Rules = new AlertRules(Settings);
        Notifier = CreateTestProbe("notifier");
        var clusterOfOne = ClusterOfOne;
        Thresholds = Sys.ActorOf(Props.Create(() => new LocalAlertThresholds(Rules, Store, Notifier.Ref, Clock, clusterOfOne)));
        var intake = Sys.ActorOf(AlertIntake.Props(Thresholds, TimeSpan.Zero, TimeSpan.Zero, Rules.Settings.Samples), "alert-intake");
        AgentStores = Sys.ActorOf(Props.Create(() => new AlertingAgentStores(Store, new AlertHandOff(intake, Rules, Clock))));
    }

    protected static AlertingSettings Settings { get; } = ShippedSettings.Value.Alerting;

    protected AlertRules Rules { get; }

    /// <summary>As the server runs without seed nodes: a key's first entity reads nothing from the store.</summary>
    protected virtual bool ClusterOfOne => false;

    protected MutableClock Clock { get; } = new(Start);

    protected TestProbe Notifier { get; }

    /// <summary>Stands in for the shard region.</summary>
    protected IActorRef Thresholds { get; }

    protected IActorRef AgentStores { get; }

    protected DateTime UtcNow => Clock.GetUtcNow().UtcDateTime;

    /// <summary>Stops every entity and waits until they are gone: the next message recreates and recovers them, as after a restart.</summary>
    protected void StopEntities()
    {
        var probe = CreateTestProbe();
        Thresholds.Tell(LocalAlertThresholds.StopAll.Instance, probe.Ref);
        probe.ExpectMsg<LocalAlertThresholds.Stopped>(TimeSpan.FromSeconds(10));
    }

    protected static LogEntry Entry(DateTime timestamp, Level level, string message, string agent = "CERBERUS") =>
        new(timestamp, level, agent, message, "api", LogEntry.EmptyMetadata);

    /// <summary>Commits the entries through an agent store (which hands them to alerting) and waits for the acknowledgement.</summary>
    protected void Ingest(params LogEntry[] entries)
    {
        var sender = CreateTestProbe();
        AgentStores.Tell(new StoreEntries(entries[0].AgentKey, entries, null, ++_batch), sender.Ref);
        Assert.True(sender.ExpectMsg<StoreEntriesResult>(TimeSpan.FromSeconds(10)).Succeeded);
    }

    protected HashSet<string> Accepted { get; } = [];

    /// <summary>
    /// The next new alert the notifier gets, accepted. A Deliver repeated before our acceptance reached the decider is
    /// the protocol at work (the notifier keeps one copy per id): it is answered again and skipped.
    /// </summary>
    protected Alert ExpectAlert()
    {
        while (true)
        {
            var deliver = Notifier.ExpectMsg<Deliver>(TimeSpan.FromSeconds(30));
            Notifier.Reply(new DeliveryAccepted(deliver.Alert.Id));
            if (Accepted.Add(deliver.Alert.Id))
            {
                return deliver.Alert;
            }
        }
    }

    /// <summary>No Deliver of an alert not seen before (repeats of accepted ones are answered and ignored).</summary>
    protected void ExpectNoAlert()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMilliseconds(700);
        while (DateTime.UtcNow < deadline)
        {
            if (Notifier.TryReceiveOne(out var envelope, deadline - DateTime.UtcNow) && envelope.Message is Deliver deliver)
            {
                envelope.Sender.Tell(new DeliveryAccepted(deliver.Alert.Id));
                Assert.False(!Accepted.Contains(deliver.Alert.Id), $"unexpected alert: {deliver.Alert}");
            }
        }
    }
}

/// <summary>One threshold entity per key, as the shard region would host them.</summary>
public sealed class LocalAlertThresholds : ReceiveActor
{
    public LocalAlertThresholds(AlertRules rules, ILogStore store, IActorRef notifier, TimeProvider clock, bool clusterOfOne = false)
    {
        var rebuilder = new AlertWindowRebuilder(store, rules, clusterOfOne);
        Receive<IWithAlertKey>(message =>
        {
            var id = AlertKeys.EntityId(message.Key);
            var child = Context.Child(id);
            if (child.IsNobody())
            {
                child = Context.ActorOf(AlertThreshold.Props(id, rules, store, notifier, clock, TimeSpan.FromSeconds(1), rebuilder: rebuilder), id);
            }

            child.Forward(message);
        });
        Receive<Passivate>(p => Sender.Tell(p.StopMessage));
        Receive<StopAll>(_ =>
        {
            var asker = Sender;
            var children = Context.GetChildren().ToList();
            if (children.Count == 0)
            {
                asker.Tell(Stopped.Instance);
                return;
            }

            foreach (var child in children)
            {
                // As the shard region passivates or hands off: the stop message queues behind what the entity was
                // sent, so nothing handed to it is dropped (only a crash drops a mailbox, and the catch-up covers that).
                Context.Watch(child);
                child.Tell(AlertThresholdProtocol.Stop.Instance);
            }

            var left = children.Count;
            BecomeStacked(() =>
            {
                Receive<Terminated>(_ =>
                {
                    if (--left == 0)
                    {
                        asker.Tell(Stopped.Instance);
                        UnbecomeStacked();
                    }
                });
            });
        });
    }

    public sealed class StopAll
    {
        public static readonly StopAll Instance = new();
    }

    public sealed class Stopped
    {
        public static readonly Stopped Instance = new();
    }
}

/// <summary>Agent stores that hand their commits to alerting.</summary>
public sealed class AlertingAgentStores : ReceiveActor
{
    public AlertingAgentStores(ILogStore store, AlertHandOff alerts)
    {
        Receive<IWithAgentId>(message =>
        {
            var name = Uri.EscapeDataString(message.AgentKey);
            var child = Context.Child(name);
            if (child.IsNobody())
            {
                child = Context.ActorOf(Props.Create(() => new AgentStore(message.AgentKey, store, LogAggregator.Querying.LiveTailTopic.None, alerts)), name);
            }

            child.Forward(message);
        });
    }
}
