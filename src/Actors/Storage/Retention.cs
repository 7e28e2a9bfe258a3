using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Event;
using Akka.Hosting;
using static LogAggregator.Storage.RetentionProtocol;

namespace LogAggregator.Storage;

/// <summary>
/// Deletes whole day files once they are older than RETENTION_DAYS (by day of arrival, as the old service
/// did). A cluster singleton: one node decides, so two nodes never race to delete.
/// </summary>
public sealed class Retention : ReceiveActor, IWithTimers
{
    public const string ActorName = "retention";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ILogStore _store;
    private readonly int _retentionDays;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _clock;

    public Retention(ILogStore store, int retentionDays, TimeSpan interval, TimeProvider clock)
    {
        _store = store;
        _retentionDays = retentionDays;
        _interval = interval;
        _clock = clock;

        Receive<RunRetention>(_ => Run());
        Receive<RetentionCompleted>(done =>
        {
            if (done.Deleted.Count > 0)
            {
                _log.Info("Retention deleted {Count} day(s) older than {OldestKept}: {Days}",
                    done.Deleted.Count, done.OldestKept, string.Join(", ", done.Deleted.Select(d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))));
            }

            Context.System.EventStream.Publish(done);
        });
        Receive<Status.Failure>(failure => _log.Error(failure.Cause, "Retention run failed; retrying at the next interval"));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ILogStore store, int retentionDays, TimeSpan interval, TimeProvider clock) =>
        Akka.Actor.Props.Create(() => new Retention(store, retentionDays, interval, clock));

    protected override void PreStart()
    {
        Self.Tell(RunRetention.Instance);
        Timers.StartPeriodicTimer("retention", RunRetention.Instance, _interval);
    }

    /// <summary>An entry that arrived on day D is kept through day D + RETENTION_DAYS.</summary>
    public static DateOnly OldestKept(DateTime nowUtc, int retentionDays) =>
        DateOnly.FromDateTime(nowUtc).AddDays(-retentionDays);

    private void Run()
    {
        var oldestKept = OldestKept(_clock.GetUtcNow().UtcDateTime, _retentionDays);
        _store.DeleteDaysBeforeAsync(oldestKept).PipeTo(Self, success: deleted => new RetentionCompleted(oldestKept, deleted));
    }
}

public static class RetentionHosting
{
    public static AkkaConfigurationBuilder AddRetention(this AkkaConfigurationBuilder builder, int retentionDays, TimeSpan interval) =>
        builder.WithSingleton<Retention>(
            Retention.ActorName,
            (_, _, resolver) => Retention.Props(resolver.GetService<ILogStore>(), retentionDays, interval, TimeProvider.System),
            new ClusterSingletonOptions());
}
