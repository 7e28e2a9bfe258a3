using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using static LogAggregator.Alerting.AlertIntakeProtocol;
using static LogAggregator.Alerting.AlertThresholdProtocol;

namespace LogAggregator.Alerting;

/// <summary>
/// Where the agent stores of a node hand their committed alert-worthy entries (one per node, next to the shard
/// region of <see cref="AlertThreshold"/>). It holds what arrives until no hand-over came for
/// <c>alerting.hand-off-linger</c>, or for <c>alerting.hand-off-max-linger</c> since the first one held while they
/// keep coming, then classifies it (<see cref="AlertHandOff.Classify"/>) and merges it per key into one
/// <see cref="RecordOccurrences"/>. During an error storm every commit of every agent holds the same keys again: a
/// message per key per commit would cost the deciders, the region and the shard as much as the commits themselves,
/// and the decisions with their journal writes would compete with the commits for the same cores. Held until the
/// commits pause, a storm's alert work follows its ingestion instead of slowing it, and a page waits at most the
/// max linger for it. The merge keeps each key's occurrences in arrival order (an agent's commits arrive in commit
/// order) and its first samples. What waits unclassified counts against <see cref="AlertHandOff.MaxWaitingChars"/>,
/// past which the stores classify their commits themselves.
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
    private readonly TimeSpan _maxLinger;
    private readonly int _samples;
    private readonly List<object> _pending = [];
    private readonly Dictionary<string, Merged> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Cooldown> _cooldowns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _keptAlive = new(StringComparer.Ordinal);
    private long _pendingSince;
    private long _lastHandOver;

    public AlertIntake(IActorRef thresholds, TimeSpan linger, TimeSpan maxLinger, int samples)
    {
        _thresholds = thresholds;
        _linger = linger;
        _maxLinger = maxLinger < linger ? linger : maxLinger;
        _samples = samples;
        Receive<HandOver>(Linger);
        Receive<Committed>(Linger);
        Receive<Flush>(_ => FlushOnceQuiet());
        Receive<CooldownNoted>(Note);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="linger">How long hand-overs are held after the last one; zero sends each on at once.</param>
    /// <param name="maxLinger">How long they are held at most while more keep coming.</param>
    public static Props Props(IActorRef thresholds, TimeSpan linger, TimeSpan maxLinger, int samples) =>
        Akka.Actor.Props.Create(() => new AlertIntake(thresholds, linger, maxLinger, samples));

    protected override void PostStop()
    {
        SendPending();
        base.PostStop();
    }

    /// <summary>Holds a <see cref="HandOver"/> or a <see cref="Committed"/> until the hand-overs pause.</summary>
    private void Linger(object handOver)
    {
        var holdingNothing = _pending.Count == 0 && _held.Count == 0;
        _pending.Add(handOver);
        if (_linger <= TimeSpan.Zero)
        {
            SendPending();
            return;
        }

        if (handOver is Committed committed && committed.HandOff.WaitingChars > AlertHandOff.MaxWaitingChars / 2)
        {
            // Half the bound waits here: classify now, on these threads, before the stores start doing it on theirs.
            ClassifyPending();
        }

        _lastHandOver = Stopwatch.GetTimestamp();
        if (holdingNothing)
        {
            _pendingSince = _lastHandOver;
        }

        if (!Timers.IsTimerActive(FlushTimer))
        {
            Timers.StartSingleTimer(FlushTimer, Flush.Instance, _linger);
        }
    }

    /// <summary>
    /// One timer per linger, not one per hand-over: when it fires while hand-overs still came within the linger, it
    /// waits out the rest of it (or of the max linger).
    /// </summary>
    private void FlushOnceQuiet()
    {
        if (_pending.Count == 0 && _held.Count == 0)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        var quietFor = Stopwatch.GetElapsedTime(_lastHandOver, now);
        var heldFor = Stopwatch.GetElapsedTime(_pendingSince, now);
        if (quietFor >= _linger || heldFor >= _maxLinger)
        {
            SendPending();
            return;
        }

        var rest = _linger - quietFor;
        Timers.StartSingleTimer(FlushTimer, Flush.Instance, rest < _maxLinger - heldFor ? rest : _maxLinger - heldFor);
    }

    /// <summary>Classifies what is held, in the order it came, merges it per key and sends each key's on.</summary>
    private void SendPending()
    {
        ClassifyPending();
        foreach (var merged in _held.Values)
        {
            // A cooldown noted while it was held applies too.
            if (AfterCooldown(merged.ToRecord()) is { } record && !KeptAliveLately(record))
            {
                _thresholds.Tell(record, Self);
            }
        }

        _held.Clear();
    }

    private void ClassifyPending()
    {
        foreach (var handOver in _pending)
        {
            Hold(handOver is Committed committed ? committed.HandOff.Classify(committed) : ((HandOver)handOver).Keys);
        }

        _pending.Clear();
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

    /// <summary>One key's hand-overs of one flush; the first one is kept as it came while it is alone.</summary>
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
                AlertIntake.Props(registry.Get<AlertThreshold>(), settings.HandOffLinger, settings.HandOffMaxLinger, settings.Samples).WithDispatcher(AlertingDispatcher.Id),
                AlertIntake.ActorName);
            registry.Register<AlertIntake>(intake);
        });
}
