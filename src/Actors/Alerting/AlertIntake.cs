using Akka.Actor;
using Akka.Hosting;
using static LogAggregator.Alerting.AlertIntakeProtocol;
using static LogAggregator.Alerting.AlertThresholdProtocol;

namespace LogAggregator.Alerting;

/// <summary>
/// Where the agent stores of a node hand their committed alert-worthy entries (one per node, next to the shard
/// region of <see cref="AlertThreshold"/>). It merges what arrives for the same key within
/// <c>alerting.hand-off-linger</c> into one <see cref="RecordOccurrences"/>: during an error storm every commit of
/// every agent holds the same keys again, and a message per key per commit would cost the deciders, the region
/// and the shard as much as the commits themselves. The merge keeps each key's occurrences in arrival order (an
/// agent's commits arrive in commit order) and its first samples.
/// <para>
/// What is held here when the process dies is committed already: the catch-up at the next start hands it over
/// again (see <see cref="AlertCatchUp"/>). A graceful stop sends it on.
/// </para>
/// </summary>
public sealed class AlertIntake : ReceiveActor, IWithTimers
{
    public const string ActorName = "alert-intake";
    private const string FlushTimer = "flush";

    private readonly IActorRef _thresholds;
    private readonly TimeSpan _linger;
    private readonly int _samples;
    private readonly Dictionary<string, Merged> _held = new(StringComparer.Ordinal);

    public AlertIntake(IActorRef thresholds, TimeSpan linger, int samples)
    {
        _thresholds = thresholds;
        _linger = linger;
        _samples = samples;
        Receive<HandOver>(Hold);
        Receive<Flush>(_ => SendHeld());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="linger">How long occurrences of a key wait for more; zero sends each hand-over on at once.</param>
    public static Props Props(IActorRef thresholds, TimeSpan linger, int samples) =>
        Akka.Actor.Props.Create(() => new AlertIntake(thresholds, linger, samples));

    protected override void PostStop()
    {
        SendHeld();
        base.PostStop();
    }

    private void Hold(HandOver handOver)
    {
        foreach (var record in handOver.Keys)
        {
            if (_held.TryGetValue(record.Key, out var merged))
            {
                merged.Add(record, _samples);
            }
            else
            {
                _held.Add(record.Key, new Merged(record));
            }
        }

        if (_linger <= TimeSpan.Zero)
        {
            SendHeld();
        }
        else if (!Timers.IsTimerActive(FlushTimer))
        {
            Timers.StartSingleTimer(FlushTimer, Flush.Instance, _linger);
        }
    }

    private void SendHeld()
    {
        foreach (var merged in _held.Values)
        {
            _thresholds.Tell(merged.ToRecord(), ActorRefs.NoSender);
        }

        _held.Clear();
    }

    /// <summary>One key's hand-overs since the last flush; the first one is kept as it came while it is alone.</summary>
    private sealed class Merged(RecordOccurrences first)
    {
        private List<Occurrence>? _occurrences;
        private List<AlertSample>? _samples;

        public void Add(RecordOccurrences record, int samples)
        {
            _occurrences ??= [.. first.Occurrences];
            _samples ??= [.. first.Samples];
            _occurrences.AddRange(record.Occurrences);
            foreach (var sample in record.Samples)
            {
                if (_samples.Count >= samples)
                {
                    break;
                }

                _samples.Add(sample);
            }
        }

        public RecordOccurrences ToRecord() =>
            _occurrences is null ? first : new RecordOccurrences(first.Subject, _occurrences, _samples!);
    }
}

public static class AlertIntakeHosting
{
    /// <summary>The node's intake in front of the region of <see cref="AlertThreshold"/> (added before it), registered as <see cref="AlertIntake"/>.</summary>
    public static AkkaConfigurationBuilder AddAlertIntake(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry, resolver) =>
        {
            var settings = resolver.GetService<AlertRules>().Settings;
            var intake = system.ActorOf(AlertIntake.Props(registry.Get<AlertThreshold>(), settings.HandOffLinger, settings.Samples), AlertIntake.ActorName);
            registry.Register<AlertIntake>(intake);
        });
}
