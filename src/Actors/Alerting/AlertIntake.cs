using System.Diagnostics;
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
/// <para>
/// A decider answers a page, and occurrences inside a cooldown the intake did not know, with
/// <see cref="CooldownNoted"/>; from then on the intake drops the key's occurrences dated before the cooldown's end
/// (the decider would skip them) and sends nothing for a key with nothing left, or, while the page waits for the
/// notifier, the key alone (no occurrences, at most once per <see cref="KeepAliveEvery"/>), which recreates a decider
/// that stopped meanwhile. The notes are remembered per node, at most <see cref="MaxCooldowns"/> of them: forgetting
/// one only means the decider skips those occurrences itself and notes its cooldown again.
/// </para>
/// </summary>
public sealed class AlertIntake : ReceiveActor, IWithTimers
{
    public const string ActorName = "alert-intake";
    public const int MaxCooldowns = 100_000;
    public static readonly TimeSpan KeepAliveEvery = TimeSpan.FromSeconds(1);
    private const string FlushTimer = "flush";

    private readonly IActorRef _thresholds;
    private readonly TimeSpan _linger;
    private readonly int _samples;
    private readonly Dictionary<string, Merged> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Cooldown> _cooldowns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _keptAlive = new(StringComparer.Ordinal);

    public AlertIntake(IActorRef thresholds, TimeSpan linger, int samples)
    {
        _thresholds = thresholds;
        _linger = linger;
        _samples = samples;
        Receive<HandOver>(handOver => Hold(handOver.Keys));
        Receive<Committed>(committed => Hold(committed.HandOff.Classify(committed)));
        Receive<Flush>(_ => SendHeld());
        Receive<CooldownNoted>(Note);
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

    private void Hold(IReadOnlyList<RecordOccurrences> keys)
    {
        foreach (var offered in keys)
        {
            if (AfterCooldown(offered) is not { } record)
            {
                continue;
            }

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
        else if (_held.Count > 0 && !Timers.IsTimerActive(FlushTimer))
        {
            Timers.StartSingleTimer(FlushTimer, Flush.Instance, _linger);
        }
    }

    private void SendHeld()
    {
        foreach (var merged in _held.Values)
        {
            // A cooldown noted during the linger applies too.
            if (AfterCooldown(merged.ToRecord()) is { } record && !KeptAliveLately(record))
            {
                _thresholds.Tell(record, Self);
            }
        }

        _held.Clear();
    }

    private void Note(CooldownNoted noted)
    {
        if (_cooldowns.TryGetValue(noted.Key, out var known)
            && (known.Until > noted.Until || (known.Until == noted.Until && (noted.AlertPending || !known.AlertPending))))
        {
            return;
        }

        if (_cooldowns.Count >= MaxCooldowns && !_cooldowns.ContainsKey(noted.Key))
        {
            // Cooldowns over by the wall clock go first; entries dated inside them may still come (a backlog), but the
            // deciders skip those themselves.
            var now = DateTime.UtcNow;
            foreach (var over in _cooldowns.Where(c => c.Value.Until < now).Select(c => c.Key).ToList())
            {
                _cooldowns.Remove(over);
            }

            if (_cooldowns.Count >= MaxCooldowns)
            {
                _cooldowns.Clear();
            }
        }

        _cooldowns[noted.Key] = new Cooldown(noted.Until, noted.AlertPending);
        if (!noted.AlertPending)
        {
            _keptAlive.Remove(noted.Key);
        }
    }

    /// <summary>
    /// What of <paramref name="record"/> its decider would count. When all of it lies inside a noted cooldown: null,
    /// or the key alone (no occurrences) while the cooldown's page waits for the notifier.
    /// </summary>
    private RecordOccurrences? AfterCooldown(RecordOccurrences record)
    {
        if (!_cooldowns.TryGetValue(record.Key, out var cooldown) || record.Occurrences.All(o => o.Timestamp >= cooldown.Until))
        {
            return record;
        }

        var until = cooldown.Until;
        var occurrences = record.Occurrences.Where(o => o.Timestamp >= until).ToList();
        if (occurrences.Count > 0)
        {
            return new RecordOccurrences(record.Subject, occurrences, record.Samples.Where(s => s.Timestamp >= until).ToList());
        }

        return cooldown.AlertPending ? new RecordOccurrences(record.Subject, [], []) : null;
    }

    /// <summary>
    /// A message with nothing but the key (its page waits for the notifier) goes to a key at most once per
    /// <see cref="KeepAliveEvery"/>: it only has to recreate a decider that stopped, and the decider repeats its
    /// page every few seconds anyway.
    /// </summary>
    private bool KeptAliveLately(RecordOccurrences record)
    {
        if (record.Occurrences.Count > 0)
        {
            return false;
        }

        var now = Stopwatch.GetTimestamp();
        if (_keptAlive.TryGetValue(record.Key, out var last) && Stopwatch.GetElapsedTime(last, now) < KeepAliveEvery)
        {
            return true;
        }

        if (_keptAlive.Count >= MaxCooldowns)
        {
            _keptAlive.Clear();
        }

        _keptAlive[record.Key] = now;
        return false;
    }

    private readonly record struct Cooldown(DateTime Until, bool AlertPending);

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
            var intake = system.ActorOf(
                AlertIntake.Props(registry.Get<AlertThreshold>(), settings.HandOffLinger, settings.Samples).WithDispatcher(AlertingDispatcher.Id),
                AlertIntake.ActorName);
            registry.Register<AlertIntake>(intake);
        });
}
