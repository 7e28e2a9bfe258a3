using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit;
using LogAggregator.Alerting;
using LogAggregator.Model;
using static LogAggregator.Alerting.AlertNotifierProtocol;
using static LogAggregator.Alerting.AlertThresholdProtocol;

namespace LogAggregator.Tests.Alerting;

public sealed class AlertThresholdSpecs : AlertSpec
{
    [Fact]
    public void Four_errors_do_not_alert_the_fifth_does_the_next_five_inside_the_cooldown_do_not_and_a_burst_after_it_does()
    {
        for (var i = 1; i <= 4; i++)
        {
            Ingest(Entry(UtcNow.AddSeconds(i), Level.Error, $"slow reply after {500 + i} ms"));
        }

        ExpectNoAlert();

        Ingest(Entry(UtcNow.AddSeconds(5), Level.Error, "slow reply after 733 ms"));
        var alert = ExpectAlert();
        Assert.Equal("[ERROR] CERBERUS: Error Alert", alert.Title);
        Assert.Equal(AlertKeys.ForLevel("CERBERUS", "slow reply after <num> ms"), alert.Key);
        Assert.Equal(5, alert.Count);
        Assert.Equal(UtcNow.AddSeconds(1), alert.FirstSeen);
        Assert.Equal(UtcNow.AddSeconds(5), alert.LastSeen);
        Assert.Equal(5, alert.Samples.Count);
        Assert.Equal("5 errors within 300 s", alert.Reason);

        for (var i = 6; i <= 10; i++)
        {
            Ingest(Entry(UtcNow.AddSeconds(5 + i * 60), Level.Error, $"slow reply after {i} ms"));
        }

        ExpectNoAlert();

        // The cooldown (600 s) ended at second 605; a new burst after it pages again.
        Clock.Now = Start.AddMinutes(20);
        for (var i = 1; i <= 5; i++)
        {
            Ingest(Entry(UtcNow.AddSeconds(i), Level.Error, $"slow reply after {i} ms"));
        }

        var again = ExpectAlert();
        Assert.Equal(alert.Key, again.Key);
        Assert.NotEqual(alert.Id, again.Id);
        Assert.Equal(5, again.Count);
    }

    [Fact]
    public void Errors_further_apart_than_the_window_do_not_add_up()
    {
        for (var i = 0; i < 4; i++)
        {
            Ingest(Entry(UtcNow.AddMinutes(i), Level.Error, "queue stalled"));
        }

        // Minute 5.5: the one at minute 0 is more than 300 s before it, so only 4 lie within one window.
        Ingest(Entry(UtcNow.AddMinutes(5.5), Level.Error, "queue stalled"));
        ExpectNoAlert();

        // Minute 5.6: minutes 1, 2, 3, 5.5 and 5.6 do.
        Ingest(Entry(UtcNow.AddMinutes(5.6), Level.Error, "queue stalled"));
        Assert.Equal(5, ExpectAlert().Count);
    }

    [Fact]
    public void A_critical_entry_alerts_at_once_with_a_link_to_the_incident()
    {
        Ingest(Entry(UtcNow, Level.Critical, "replica 7 lost quorum"));

        var alert = ExpectAlert();
        Assert.Equal("[CRITICAL] CERBERUS: Critical Alert", alert.Title);
        Assert.Equal(Level.Critical, alert.Level);
        Assert.Equal("CRITICAL entry", alert.Reason);
        Assert.Equal("replica <num> lost quorum", alert.Pattern);
        var sample = Assert.Single(alert.Samples);
        Assert.Equal("replica 7 lost quorum", sample.Message);
        Assert.Equal("http://localhost:8062/?agent=CERBERUS&q=lost%20quorum&from=2024-01-15T10%3A00%3A00Z&to=2024-01-15T10%3A00%3A01Z", alert.Link);
    }

    [Fact]
    public void Fatal_alerts_at_once_too()
    {
        Ingest(Entry(UtcNow, Level.Fatal, "process exiting"));

        Assert.Equal("[FATAL] CERBERUS: Fatal Alert", ExpectAlert().Title);
    }

    public static TheoryData<string, Level, string, string> DefaultPatterns() => new()
    {
        { "Connection refused by db-1:5432", Level.Error, "database_connection", "[CRITICAL] CERBERUS: Database connection issue" },
        { "java.lang.OutOfMemoryError: Java heap space", Level.Error, "out_of_memory", "[CRITICAL] CERBERUS: Out of memory" },
        { "Authentication failed for user bob", Level.Warning, "authentication", "[ERROR] CERBERUS: Authentication failures" },
        { "Too many requests from partner api, backing off", Level.Warning, "rate_limit", "[WARNING] CERBERUS: Rate limiting" },
        { "write failed: No space left on device", Level.Critical, "disk_space", "[CRITICAL] CERBERUS: Disk space" },
    };

    [Theory]
    [MemberData(nameof(DefaultPatterns))]
    public void Each_default_known_pattern_alerts_under_its_own_key(string message, Level level, string pattern, string title)
    {
        Ingest(Entry(UtcNow, level, message));

        var alert = ExpectAlert();
        Assert.Equal(AlertKeys.ForPattern(pattern, "CERBERUS"), alert.Key);
        Assert.Equal(title, alert.Title);
        Assert.Equal(pattern, alert.Pattern);
        Assert.Equal($"known issue: {pattern}", alert.Reason);

        // One incident, one page: the entry counted toward the pattern's key only, not also its level key.
        ExpectNoAlert();
    }

    [Fact]
    public void Info_entries_never_alert_even_when_they_name_a_known_issue()
    {
        var infos = Enumerable.Range(0, 10).Select(i => Entry(UtcNow.AddSeconds(i), Level.Info, "database connection refused")).ToList();
        infos.Add(Entry(UtcNow.AddSeconds(11), Level.Critical, "kernel panic"));
        Ingest([.. infos]);

        // Had an INFO reached alerting it would have paged first (same batch, earlier entries).
        Assert.Equal("[CRITICAL] CERBERUS: Critical Alert", ExpectAlert().Title);
        ExpectNoAlert();
    }

    [Fact]
    public async Task An_entry_older_than_max_entry_age_is_stored_but_never_alerts()
    {
        Ingest(Entry(UtcNow.AddHours(-2), Level.Critical, "backlog crash 1"));
        ExpectNoAlert();
        Assert.Equal(["backlog crash 1"], await StoredMessagesAsync());

        Ingest(Entry(UtcNow, Level.Critical, "backlog crash 2"));
        var alert = ExpectAlert();
        Assert.Equal("backlog crash 2", Assert.Single(alert.Samples).Message);
        Assert.Equal(1, alert.Count);
    }

    [Fact]
    public void The_same_entry_handed_over_twice_counts_once()
    {
        var subject = Rules.Classify(Entry(UtcNow, Level.Error, "checksum mismatch"))!;
        RecordOccurrences Occurrences(params int[] ids) => new(subject,
            ids.Select(i => new Occurrence($"20240115-{i}", UtcNow.AddSeconds(i), Level.Error)).ToList(), []);

        Thresholds.Tell(Occurrences(1, 2, 3));
        Thresholds.Tell(Occurrences(3, 4));
        Thresholds.Tell(Occurrences(1, 4));
        ExpectNoAlert();

        Thresholds.Tell(Occurrences(5));
        Assert.Equal(5, ExpectAlert().Count);
    }

    [Fact]
    public void The_window_survives_killing_and_recreating_the_entity()
    {
        for (var i = 1; i <= 4; i++)
        {
            Ingest(Entry(UtcNow.AddSeconds(i), Level.Error, $"lock wait {i} exceeded"));
        }

        ExpectNoAlert();
        StopEntities();

        Ingest(Entry(UtcNow.AddSeconds(5), Level.Error, "lock wait 5 exceeded"));
        Assert.Equal(5, ExpectAlert().Count);
    }

    [Fact]
    public void The_window_survives_recreating_the_entity_behind_more_than_a_page_of_other_errors_of_its_agent()
    {
        for (var i = 1; i <= 4; i++)
        {
            Ingest(Entry(UtcNow.AddSeconds(i), Level.Error, $"lock wait {i} exceeded"));
        }

        // 1,500 newer errors of another key of the same agent: the rebuild must read past them.
        Ingest(Enumerable.Range(0, 1500).Select(i => Entry(UtcNow.AddSeconds(10).AddMilliseconds(i), Level.Error, $"queue {i + 5000} overflowed")).ToArray());
        Assert.Equal("CERBERUS:queue <num> overflowed", ExpectAlert().Key);
        ExpectNoAlert();
        StopEntities();

        Ingest(Entry(UtcNow.AddSeconds(5), Level.Error, "lock wait 5 exceeded"));
        var alert = ExpectAlert();
        Assert.Equal("CERBERUS:lock wait <num> exceeded", alert.Key);
        Assert.Equal(5, alert.Count);
    }

    [Fact]
    public void The_cooldown_survives_killing_and_recreating_the_entity()
    {
        Ingest(Entry(UtcNow, Level.Critical, "power supply 2 failed"));
        var first = ExpectAlert();
        StopEntities();

        Ingest(Entry(UtcNow.AddMinutes(5), Level.Critical, "power supply 3 failed"));
        ExpectNoAlert();
        StopEntities();

        // Positive control: after the cooldown the same key pages again.
        Ingest(Entry(UtcNow.AddMinutes(11), Level.Critical, "power supply 4 failed"));
        var second = ExpectAlert();
        Assert.Equal(first.Key, second.Key);
        Assert.NotEqual(first.Id, second.Id);
    }

    [Fact]
    public void The_intake_that_handed_over_a_page_or_occurrences_inside_its_cooldown_is_told_the_cooldown()
    {
        var intake = CreateTestProbe();
        var subject = Rules.Classify(Entry(UtcNow, Level.Critical, "disk 7 failed"))!;
        Occurrences(subject, intake, ("c1", UtcNow));
        var alert = ExpectAlert();

        // Once when the page is decided (still waiting for the notifier), once when the notifier accepted it.
        var decided = intake.ExpectMsg<AlertThresholdProtocol.CooldownNoted>(TimeSpan.FromSeconds(10));
        Assert.Equal(new AlertThresholdProtocol.CooldownNoted(alert.Key, UtcNow.AddMinutes(10), AlertPending: true), decided);
        var noted = intake.ExpectMsg<AlertThresholdProtocol.CooldownNoted>(TimeSpan.FromSeconds(10));
        Assert.Equal(new AlertThresholdProtocol.CooldownNoted(alert.Key, UtcNow.AddMinutes(10), AlertPending: false), noted);

        // After a restart the entity recovers its cooldown and tells an intake that still sends what it covers.
        StopEntities();
        var other = CreateTestProbe();
        Occurrences(subject, other, ("c2", UtcNow.AddMinutes(1)));
        Assert.Equal(noted, other.ExpectMsg<AlertThresholdProtocol.CooldownNoted>(TimeSpan.FromSeconds(10)));

        // Occurrences after the cooldown need no note (positive control above: the same entity answers inside it).
        Occurrences(subject, other, ("c3", UtcNow.AddMinutes(11)));
        ExpectAlert();
        Assert.True(other.ExpectMsg<AlertThresholdProtocol.CooldownNoted>(TimeSpan.FromSeconds(10)).AlertPending);
        Assert.Equal(UtcNow.AddMinutes(21), other.ExpectMsg<AlertThresholdProtocol.CooldownNoted>(TimeSpan.FromSeconds(10)).Until);
        other.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    private void Occurrences(AlertSubject subject, TestProbe from, params (string Id, DateTime At)[] entries) =>
        Thresholds.Tell(new AlertThresholdProtocol.RecordOccurrences(
            subject,
            entries.Select(e => new AlertThresholdProtocol.Occurrence(e.Id, e.At, Level.Critical)).ToList(),
            entries.Select(e => new AlertSample(e.Id, e.At, "disk failed")).ToList()), from.Ref);

    [Fact]
    public void Deliver_is_repeated_after_a_restart_until_the_notifier_accepts_it_and_then_never_again()
    {
        Ingest(Entry(UtcNow, Level.Critical, "array degraded"));
        var unanswered = Notifier.ExpectMsg<Deliver>(TimeSpan.FromSeconds(10)).Alert;

        // Repeated while unanswered.
        Assert.Equal(unanswered.Id, Notifier.ExpectMsg<Deliver>(TimeSpan.FromSeconds(10)).Alert.Id);
        StopEntities();
        Notifier.ReceiveWhile(TimeSpan.FromMilliseconds(100), m => m);

        // Recreated by any message of its key: it recovers the unaccepted alert and sends it again, same id.
        Ingest(Entry(UtcNow.AddSeconds(1), Level.Critical, "array degraded"));
        var resent = Notifier.ExpectMsg<Deliver>(TimeSpan.FromSeconds(10));
        Assert.Equal(unanswered.Id, resent.Alert.Id);
        Notifier.Reply(new DeliveryAccepted(unanswered.Id));
        Accepted.Add(unanswered.Id);
        StopEntities();

        Ingest(Entry(UtcNow.AddSeconds(2), Level.Critical, "array degraded"));
        ExpectNoAlert();
    }
}

public sealed class AlertThresholdEdgeSpecs : AlertSpec
{
    [Fact]
    public void A_critical_dated_9999_12_31_pages_once_instead_of_breaking_its_entity()
    {
        var end = new DateTime(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_990);
        Ingest(Entry(end, Level.Critical, "clock says the end of time"));

        var alert = ExpectAlert();
        Assert.Equal(end, alert.LastSeen);

        Ingest(Entry(end, Level.Critical, "clock says the end of time"));
        ExpectNoAlert();
    }
}

public sealed class AlertThresholdIdleSpecs : AlertSpec
{
    private static readonly TimeSpan IdleAfter = TimeSpan.FromMilliseconds(300);

    [Fact]
    public void An_idle_decider_asks_to_be_passivated_and_one_whose_alert_the_notifier_has_not_accepted_waits_until_it_is()
    {
        var quiet = CreateTestProbe();
        var quietDecider = Decider("quiet", quiet.Ref);
        quietDecider.Tell(Occurrences("QUIET", "disk slow", Level.Error));
        quiet.ExpectMsg<Passivate>(TimeSpan.FromSeconds(5));

        var paging = CreateTestProbe();
        var pagingDecider = Decider("paging", paging.Ref);
        pagingDecider.Tell(Occurrences("PAGING", "array degraded", Level.Critical));
        var deliver = Notifier.ExpectMsg<Deliver>(TimeSpan.FromSeconds(5));
        paging.ExpectNoMsg(IdleAfter * 5);

        pagingDecider.Tell(new DeliveryAccepted(deliver.Alert.Id), Notifier.Ref);
        paging.ExpectMsg<Passivate>(TimeSpan.FromSeconds(5));
    }

    private IActorRef Decider(string id, IActorRef passivations) => Sys.ActorOf(Props.Create(() => new PassivationWatch(
        AlertThreshold.Props(id, Rules, Store, Notifier.Ref, Clock, TimeSpan.FromMinutes(1), IdleAfter), passivations)));

    private RecordOccurrences Occurrences(string agent, string message, Level level) => new(
        new AlertSubject(AlertKeys.ForLevel(agent, message), agent, agent, null, message),
        [new Occurrence(agent + "-1", UtcNow, level)],
        [new AlertSample(agent + "-1", UtcNow, message)]);

    /// <summary>The entity's parent, as the shard would be: tells the probe when the entity asks to be passivated.</summary>
    private sealed class PassivationWatch : ReceiveActor
    {
        public PassivationWatch(Props entity, IActorRef passivations)
        {
            var child = Context.ActorOf(entity);
            Receive<Passivate>(passivate => passivations.Tell(passivate));
            ReceiveAny(message => child.Forward(message));
        }
    }
}
