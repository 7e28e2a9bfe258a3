using Akka.Actor;
using Akka.TestKit.Xunit2;
using LogAggregator.Alerting;
using LogAggregator.Ingestion;
using LogAggregator.Model;
using static LogAggregator.Alerting.AlertIntakeProtocol;
using static LogAggregator.Alerting.AlertThresholdProtocol;

namespace LogAggregator.Tests.Alerting;

/// <summary>The node's intake merges what successive commits hand over for one key before its decider sees it.</summary>
public sealed class AlertIntakeSpecs : TestKit
{
    private static readonly DateTime At = new(2024, 1, 15, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Hand_overs_of_one_key_within_the_linger_reach_its_decider_as_one_message_with_every_occurrence_in_order()
    {
        var deciders = CreateTestProbe();
        var intake = Sys.ActorOf(AlertIntake.Props(deciders.Ref, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300), samples: 3));

        intake.Tell(new HandOver([Record("a", 1, 2), Record("b", 3)]));
        intake.Tell(new HandOver([Record("a", 4, 5)]));
        intake.Tell(new HandOver([Record("a", 6)]));

        var first = deciders.ExpectMsg<RecordOccurrences>(TimeSpan.FromSeconds(5));
        var second = deciders.ExpectMsg<RecordOccurrences>(TimeSpan.FromSeconds(5));
        Assert.Equal("a", first.Key);
        Assert.Equal(["1", "2", "4", "5", "6"], first.Occurrences.Select(o => o.Id));
        Assert.Equal(["1", "2", "4"], first.Samples.Select(s => s.Id));
        Assert.Equal("b", second.Key);
        Assert.Equal(["3"], second.Occurrences.Select(o => o.Id));
        deciders.ExpectNoMsg(TimeSpan.FromMilliseconds(500));

        // A later hand-over starts a new linger and arrives on its own.
        intake.Tell(new HandOver([Record("a", 7)]));
        Assert.Equal(["7"], deciders.ExpectMsg<RecordOccurrences>(TimeSpan.FromSeconds(5)).Occurrences.Select(o => o.Id));
    }

    [Fact]
    public void Hand_overs_that_keep_coming_are_held_until_they_pause()
    {
        var deciders = CreateTestProbe();
        var linger = TimeSpan.FromMilliseconds(1500);
        var intake = Sys.ActorOf(AlertIntake.Props(deciders.Ref, linger, TimeSpan.FromHours(1), samples: 3));

        // Eight hand-overs 250 ms apart: longer in all than one linger, never a linger's pause between two.
        var started = DateTime.UtcNow;
        for (var i = 1; i <= 8; i++)
        {
            intake.Tell(new HandOver([Record("a", i)]));
            Thread.Sleep(250);
        }

        Assert.True(DateTime.UtcNow - started > linger);
        Assert.False(deciders.HasMessages, "nothing goes on while hand-overs keep coming");
        var record = deciders.ExpectMsg<RecordOccurrences>(TimeSpan.FromSeconds(10));
        Assert.Equal(["1", "2", "3", "4", "5", "6", "7", "8"], record.Occurrences.Select(o => o.Id));
        Assert.Equal(["1", "2", "3"], record.Samples.Select(s => s.Id));
    }

    [Fact]
    public void Hand_overs_that_never_pause_go_on_after_the_max_linger_at_the_latest()
    {
        var deciders = CreateTestProbe();
        var intake = Sys.ActorOf(AlertIntake.Props(deciders.Ref, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), samples: 3));

        // Twenty hand-overs 200 ms apart (4 s): never a pause of a linger, twice the max linger in all.
        for (var i = 1; i <= 20; i++)
        {
            intake.Tell(new HandOver([Record("a", i)]));
            Thread.Sleep(200);
        }

        Assert.True(deciders.HasMessages, "what was held went on while hand-overs kept coming");
        var ids = new List<string>();
        while (ids.Count < 20)
        {
            ids.AddRange(deciders.ExpectMsg<RecordOccurrences>(TimeSpan.FromSeconds(10)).Occurrences.Select(o => o.Id));
        }

        Assert.Equal(Enumerable.Range(1, 20).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), ids);
    }

    [Fact]
    public void Committed_entries_wait_unclassified_while_held_and_count_against_the_bound_until_they_go_on()
    {
        var (deciders, intake, handOff) = IntakeHoldingForAnHour();
        var now = DateTime.UtcNow;

        handOff.Hand([Entry("pump 1 failed", Level.Error, now), Entry("pump 2 failed", Level.Error, now)], ["e1", "e2"]);
        deciders.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal("pump 1 failed".Length * 2, handOff.WaitingChars);

        intake.Tell(PoisonPill.Instance);
        var record = deciders.ExpectMsg<RecordOccurrences>(TimeSpan.FromSeconds(5));
        Assert.Equal(["e1", "e2"], record.Occurrences.Select(o => o.Id));
        Assert.Equal(0, handOff.WaitingChars);
    }

    [Fact]
    public void Once_half_the_bound_waits_the_intake_classifies_what_it_holds_and_still_holds_it()
    {
        var (deciders, intake, handOff) = IntakeHoldingForAnHour();
        var now = DateTime.UtcNow;
        var longMessage = new string('x', EntryLimits.MaxMessageLength);

        // Below half the bound, what is handed over waits unclassified.
        var commits = (int)(AlertHandOff.MaxWaitingChars / 2 / longMessage.Length);
        for (var i = 0; i < commits; i++)
        {
            handOff.Hand([Entry(longMessage, Level.Error, now)], [$"id{i}"]);
        }

        intake.Tell(new Identify(null), TestActor);
        ExpectMsg<ActorIdentity>(TimeSpan.FromSeconds(5)); // answered after every hand-over before it
        Assert.Equal(commits * (long)longMessage.Length, handOff.WaitingChars);

        // One more passes half: the intake classifies everything it holds, releasing the bound, and sends nothing yet.
        handOff.Hand([Entry(longMessage, Level.Error, now)], [$"id{commits}"]);
        AwaitAssert(() => Assert.Equal(0, handOff.WaitingChars), TimeSpan.FromSeconds(5));
        deciders.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        intake.Tell(PoisonPill.Instance);
        var record = deciders.ExpectMsg<RecordOccurrences>(TimeSpan.FromSeconds(5));
        Assert.Equal(Enumerable.Range(0, commits + 1).Select(i => $"id{i}"), record.Occurrences.Select(o => o.Id));
    }

    [Fact]
    public void A_sample_carries_the_first_thousand_characters_of_a_long_message()
    {
        var rules = new AlertRules(ShippedSettings.Value.Alerting);
        var now = DateTime.UtcNow;
        var longMessage = "pump failed: " + new string('x', EntryLimits.MaxMessageLength - 13);
        var pair = new string('y', AlertSample.MaxMessageLength - 1) + "\U0001F525 and more";

        var entries = new[] { CommittedEntry.Of("e1", Entry(longMessage, Level.Error, now)), CommittedEntry.Of("e2", Entry(pair, Level.Error, now)), CommittedEntry.Of("e3", Entry("short one", Level.Error, now)) };
        var samples = AlertHandOff.Group(entries, rules, now)
            .SelectMany(r => r.Samples).ToDictionary(s => s.Id, s => s.Message);

        Assert.Equal(longMessage[..AlertSample.MaxMessageLength] + "…", samples["e1"]);
        Assert.Equal(pair[..(AlertSample.MaxMessageLength - 1)] + "…", samples["e2"]); // not half of the pair
        Assert.Equal("short one", samples["e3"]);
    }

    [Fact]
    public void With_no_linger_each_hand_over_goes_on_at_once()
    {
        var deciders = CreateTestProbe();
        var intake = Sys.ActorOf(AlertIntake.Props(deciders.Ref, TimeSpan.Zero, TimeSpan.Zero, samples: 5));

        intake.Tell(new HandOver([Record("a", 1)]));
        intake.Tell(new HandOver([Record("a", 2)]));

        Assert.Equal(["1"], deciders.ExpectMsg<RecordOccurrences>().Occurrences.Select(o => o.Id));
        Assert.Equal(["2"], deciders.ExpectMsg<RecordOccurrences>().Occurrences.Select(o => o.Id));
    }

    [Fact]
    public void What_is_held_goes_on_when_the_intake_stops()
    {
        var deciders = CreateTestProbe();
        var intake = Sys.ActorOf(AlertIntake.Props(deciders.Ref, TimeSpan.FromHours(1), TimeSpan.FromHours(1), samples: 5));
        intake.Tell(new HandOver([Record("a", 1)]));
        deciders.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        intake.Tell(PoisonPill.Instance);

        Assert.Equal(["1"], deciders.ExpectMsg<RecordOccurrences>(TimeSpan.FromSeconds(5)).Occurrences.Select(o => o.Id));
    }

    [Fact]
    public void Once_a_decider_notes_its_cooldown_occurrences_dated_inside_it_no_longer_reach_it()
    {
        var deciders = CreateTestProbe();
        var intake = Sys.ActorOf(AlertIntake.Props(deciders.Ref, TimeSpan.Zero, TimeSpan.Zero, samples: 5));

        // Before the note the intake sends everything on, and the decider can answer it.
        intake.Tell(new HandOver([Record("a", 1, 2), Record("b", 3)]));
        Assert.Equal(["1", "2"], deciders.ExpectMsg<RecordOccurrences>().Occurrences.Select(o => o.Id));
        var decider = deciders.LastSender;
        Assert.Equal(["3"], deciders.ExpectMsg<RecordOccurrences>().Occurrences.Select(o => o.Id));

        intake.Tell(new CooldownNoted("a", At.AddSeconds(10)), decider);
        intake.Tell(new HandOver([Record("a", 4, 9, 10, 11), Record("b", 5)]));

        var a = deciders.ExpectMsg<RecordOccurrences>();
        Assert.Equal("a", a.Key);
        Assert.Equal(["10", "11"], a.Occurrences.Select(o => o.Id));
        Assert.Equal(["10", "11"], a.Samples.Select(s => s.Id));
        Assert.Equal(["5"], deciders.ExpectMsg<RecordOccurrences>().Occurrences.Select(o => o.Id));

        // A key with nothing left after the cooldown costs its decider nothing.
        AssertDropped(intake, deciders, Record("a", 6, 7), 8);
        deciders.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void While_a_noted_page_waits_for_the_notifier_the_key_still_gets_a_message_without_the_occurrences_its_cooldown_covers()
    {
        var deciders = CreateTestProbe();
        var intake = Sys.ActorOf(AlertIntake.Props(deciders.Ref, TimeSpan.Zero, TimeSpan.Zero, samples: 5));
        intake.Tell(new HandOver([Record("a", 1)]));
        deciders.ExpectMsg<RecordOccurrences>();
        var decider = deciders.LastSender;

        intake.Tell(new CooldownNoted("a", At.AddSeconds(10), AlertPending: true), decider);
        intake.Tell(new HandOver([Record("a", 2, 3)]));
        var keepAlive = deciders.ExpectMsg<RecordOccurrences>();
        Assert.Equal("a", keepAlive.Key);
        Assert.Empty(keepAlive.Occurrences);
        Assert.Empty(keepAlive.Samples);

        // One such message a second is enough to recreate a decider.
        AssertDropped(intake, deciders, Record("a", 3), 3);

        // An occurrence after the cooldown goes on as ever.
        intake.Tell(new HandOver([Record("a", 4, 11)]));
        Assert.Equal(["11"], deciders.ExpectMsg<RecordOccurrences>().Occurrences.Select(o => o.Id));

        // Accepted: the same cooldown noted without the page pending, and the key gets nothing it covers.
        intake.Tell(new CooldownNoted("a", At.AddSeconds(10)), decider);
        AssertDropped(intake, deciders, Record("a", 5), 6);

        // A late note of the page pending changes nothing back.
        intake.Tell(new CooldownNoted("a", At.AddSeconds(10), AlertPending: true), decider);
        AssertDropped(intake, deciders, Record("a", 7), 8);
        deciders.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_store_hands_over_only_its_warning_or_above_entries_and_the_intake_classifies_them_into_keys()
    {
        var deciders = CreateTestProbe();
        var intake = Sys.ActorOf(AlertIntake.Props(deciders.Ref, TimeSpan.Zero, TimeSpan.Zero, samples: 5));
        var rules = new AlertRules(ShippedSettings.Value.Alerting);
        var handOff = new AlertHandOff(intake, rules, TimeProvider.System);
        var now = DateTime.UtcNow;

        handOff.Hand(
            [Entry("pump 1 failed after 10 ms", Level.Error, now), Entry("all good", Level.Info, now), Entry("pump 2 failed after 30 ms", Level.Error, now)],
            ["e1", "i1", "e2"]);

        var record = deciders.ExpectMsg<RecordOccurrences>(TimeSpan.FromSeconds(5));
        Assert.Equal(AlertKeys.ForLevel("AGENT", "pump <num> failed after <num> ms"), record.Key);
        Assert.Equal(["e1", "e2"], record.Occurrences.Select(o => o.Id));
        Assert.Equal(["pump 1 failed after 10 ms", "pump 2 failed after 30 ms"], record.Samples.Select(s => s.Message));
        AwaitCondition(() => handOff.WaitingChars == 0);

        // Nothing at WARNING or above: nothing to hand over.
        handOff.Hand([Entry("all good", Level.Info, now)], ["i2"]);
        deciders.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Entries_too_old_to_page_are_not_handed_over_at_all()
    {
        var intake = CreateTestProbe();
        var handOff = new AlertHandOff(intake.Ref, new AlertRules(ShippedSettings.Value.Alerting), TimeProvider.System);
        var now = DateTime.UtcNow;

        // A backlog read when a file is first seen: dated before max-entry-age (1 h).
        handOff.Hand([Entry("pump 4 failed", Level.Critical, now.AddHours(-2)), Entry("all good", Level.Info, now)], ["old", "i1"]);
        intake.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(0, handOff.WaitingChars);

        // With a young one beside it, only the young one goes.
        handOff.Hand([Entry("pump 4 failed", Level.Critical, now.AddHours(-2)), Entry("pump 5 failed", Level.Critical, now)], ["old2", "young"]);
        Assert.Equal(["young"], intake.ExpectMsg<Committed>().Entries.Select(e => e.Id));
    }

    [Fact]
    public void What_waits_for_the_intake_keeps_none_of_the_entries_alive_and_reads_the_ids_only_when_classified()
    {
        var intake = CreateTestProbe();
        var handOff = new AlertHandOff(intake.Ref, new AlertRules(ShippedSettings.Value.Alerting), TimeProvider.System);
        var now = DateTime.UtcNow;
        var ids = new ReadCountingIds();

        var handed = HandOverFreshEntries(handOff, ids, now);

        // Once the store lets go of its entries, nothing of them is left: not the entries, not their messages.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.All(handed, weak => Assert.False(weak.IsAlive));
        Assert.Equal(0, ids.Reads);

        var committed = intake.ExpectMsg<Committed>().Entries;
        Assert.Equal(4, committed.Count);
        Assert.Equal("pump 1 failed".Length * 4, committed.Chars);
        var read = committed.ToList();
        Assert.Equal(
            [new CommittedEntry("id1", now.AddTicks(1), Level.Error, "pump 1 failed", "pump-host", "PUMP-HOST"),
             new CommittedEntry("id2", now.AddTicks(2), Level.Critical, "pump 2 failed", "pump-host", "PUMP-HOST"),
             new CommittedEntry("id4", now.AddTicks(4), Level.Warning, "pump 4 failed", "pump-host", "PUMP-HOST"),
             new CommittedEntry("id5", now.AddTicks(5), Level.Error, "pump 5 failed", "Pump-Host", "PUMP-HOST")],
            read);
        Assert.Equal(4, ids.Reads); // the INFO entry's id was never read
        Assert.Same(read[0].Agent, read[2].Agent); // one name per agent and spelling, not one per entry
        Assert.Same(read[0].AgentKey, read[2].AgentKey);
    }

    /// <summary>
    /// Hands over five entries as a parser makes them (a string of their own for every field; one at INFO) and
    /// returns weak references to them and their messages only.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static List<WeakReference> HandOverFreshEntries(AlertHandOff handOff, IReadOnlyList<string> ids, DateTime now)
    {
        static string Fresh(string s) => new(s.AsSpan());
        var entries = new[] { (Level.Error, "pump-host"), (Level.Critical, "pump-host"), (Level.Info, "pump-host"), (Level.Warning, "pump-host"), (Level.Error, "Pump-Host") }
            .Select((e, i) => new LogEntry(now.AddTicks(i + 1), e.Item1, Fresh(e.Item2), Fresh($"pump {i + 1} failed"), Fresh("api"), LogEntry.EmptyMetadata))
            .ToList();
        handOff.Hand(entries, ids);
        return [.. entries.Select(e => new WeakReference(e)), .. entries.Select(e => new WeakReference(e.Message))];
    }

    /// <summary>A commit's ids as the store gives them: formatted when read; counts the reads.</summary>
    private sealed class ReadCountingIds : IReadOnlyList<string>
    {
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public int Count => 5;

        public string this[int index]
        {
            get
            {
                Interlocked.Increment(ref _reads);
                return $"id{index + 1}";
            }
        }

        public IEnumerator<string> GetEnumerator() => Enumerable.Range(0, Count).Select(i => this[i]).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [Fact]
    public void Stores_send_their_commits_unclassified_while_the_intake_keeps_up_and_classify_them_themselves_beyond_the_bound()
    {
        var intake = CreateTestProbe();
        var rules = new AlertRules(ShippedSettings.Value.Alerting);
        var handOff = new AlertHandOff(intake.Ref, rules, TimeProvider.System);
        var now = DateTime.UtcNow;
        var longMessage = new string('x', EntryLimits.MaxMessageLength);

        // The intake (a probe here) classifies nothing, so what the stores hand over waits, up to the bound.
        var handed = 0L;
        var batch = 0;
        while (handed + longMessage.Length <= AlertHandOff.MaxWaitingChars)
        {
            handOff.Hand([Entry(longMessage, Level.Error, now)], [$"id{batch++}"]);
            handed += longMessage.Length;
            var committed = intake.ExpectMsg<AlertIntakeProtocol.Committed>();
            Assert.Equal(handed, handOff.WaitingChars);
            Assert.Equal(longMessage.Length, committed.Entries.Chars);
        }

        // Past it, a store classifies its own commit and sends the groups, holding on to nothing.
        handOff.Hand([Entry("pump 3 failed after 50 ms", Level.Error, now), Entry(longMessage, Level.Error, now)], ["p3", "long"]);
        var handOver = intake.ExpectMsg<HandOver>();
        Assert.Equal(["long", "p3"], handOver.Keys.SelectMany(k => k.Occurrences).Select(o => o.Id).Order());
        Assert.Equal(handed, handOff.WaitingChars);
    }

    /// <summary>Hands over <paramref name="dropped"/>, then an occurrence of key b: only b's reaches the deciders.</summary>
    private static void AssertDropped(IActorRef intake, Akka.TestKit.TestProbe deciders, RecordOccurrences dropped, int other)
    {
        intake.Tell(new HandOver([dropped]));
        intake.Tell(new HandOver([Record("b", other)]));
        Assert.Equal("b", deciders.ExpectMsg<RecordOccurrences>().Key);
    }

    /// <summary>An intake that holds what it gets until it stops, and a store's hand-off in front of it.</summary>
    private (Akka.TestKit.TestProbe Deciders, IActorRef Intake, AlertHandOff HandOff) IntakeHoldingForAnHour()
    {
        var deciders = CreateTestProbe();
        var intake = Sys.ActorOf(AlertIntake.Props(deciders.Ref, TimeSpan.FromHours(1), TimeSpan.FromHours(1), samples: 5));
        return (deciders, intake, new AlertHandOff(intake, new AlertRules(ShippedSettings.Value.Alerting), TimeProvider.System));
    }

    private static LogEntry Entry(string message, Level level, DateTime at) => new(at, level, "AGENT", message, "api", LogEntry.EmptyMetadata);

    private static RecordOccurrences Record(string key, params int[] ids) => new(
        new AlertSubject(key, "agent", "AGENT", null, key),
        ids.Select(i => new Occurrence(i.ToString(System.Globalization.CultureInfo.InvariantCulture), At.AddSeconds(i), Level.Error)).ToList(),
        ids.Select(i => new AlertSample(i.ToString(System.Globalization.CultureInfo.InvariantCulture), At.AddSeconds(i), $"message {i}")).ToList());
}
