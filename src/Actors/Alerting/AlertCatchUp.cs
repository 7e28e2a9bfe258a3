using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using LogAggregator.Model;
using LogAggregator.Storage;
using static LogAggregator.Alerting.AlertCatchUpProtocol;

namespace LogAggregator.Alerting;

/// <summary>
/// At node start, hands the alert-worthy entries dated within <c>alerting.catch-up</c> to alerting again, through the
/// same grouping as the agent stores. An entry acknowledged right before a SIGKILL, whose hand-off was lost with the
/// process, still counts; an entry handed over before is told apart by its id and counts once. One per node: with a
/// shared store every node replays the same entries, which the entities dedupe.
/// </summary>
public sealed class AlertCatchUp : ReceiveActor
{
    public const string ActorName = "alert-catch-up";
    private const int PageSize = 1000;

    /// <summary>Beyond this the catch-up stops: a flood that large has paged already.</summary>
    private const int MaxEntries = 200_000;

    private static readonly Level[] Levels = [Level.Warning, Level.Error, Level.Critical, Level.Fatal];

    private readonly ILoggingAdapter _log = Context.GetLogger();

    public AlertCatchUp(ILogStore store, AlertRules rules, IActorRef thresholds, TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        RunAsync(store, rules, thresholds, now).PipeTo(Self);

        Receive<CatchUpCompleted>(done =>
        {
            if (done.Entries > 0)
            {
                _log.Info("Alert catch-up handed {Entries} entries of {Keys} alert keys dated after {From:o} to alerting again",
                    done.Entries, done.Keys, AlertWindow.Minus(now, rules.Settings.CatchUp));
            }

            Context.System.EventStream.Publish(done);
            Context.Stop(Self);
        });
        Receive<Status.Failure>(failure =>
        {
            _log.Warning(failure.Cause, "Alert catch-up failed; entries acknowledged just before the last stop may not count toward alerts");
            Context.Stop(Self);
        });
    }

    public static Props Props(ILogStore store, AlertRules rules, IActorRef thresholds, TimeProvider clock) =>
        Akka.Actor.Props.Create(() => new AlertCatchUp(store, rules, thresholds, clock));

    private static async Task<CatchUpCompleted> RunAsync(ILogStore store, AlertRules rules, IActorRef thresholds, DateTime now)
    {
        var from = AlertWindow.Minus(now, rules.Settings.CatchUp);
        var entries = 0;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var level in Levels)
        {
            for (var offset = 0; offset < MaxEntries; offset += PageSize)
            {
                var page = await store.QueryAsync(new LogFilter(Level: level, From: from, To: now.AddTicks(1)), new Paging(PageSize, offset));
                foreach (var message in AlertHandOff.Group(page.Entries.Select(CommittedEntry.Of), rules, now))
                {
                    entries += message.Occurrences.Count;
                    keys.Add(message.Key);
                    thresholds.Tell(message, ActorRefs.NoSender);
                }

                if (page.Entries.Count < PageSize)
                {
                    break;
                }
            }
        }

        return new CatchUpCompleted(entries, keys.Count);
    }
}

public static class AlertCatchUpHosting
{
    /// <summary>Runs the catch-up once at start; needs the region of <see cref="AlertThreshold"/> added before it.</summary>
    public static AkkaConfigurationBuilder AddAlertCatchUp(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry, resolver) =>
        {
            var thresholds = registry.Get<AlertThreshold>();
            system.ActorOf(AlertCatchUp.Props(resolver.GetService<ILogStore>(), resolver.GetService<AlertRules>(), thresholds, TimeProvider.System)
                    .WithDispatcher(AlertingDispatcher.Id),
                AlertCatchUp.ActorName);
        });
}
