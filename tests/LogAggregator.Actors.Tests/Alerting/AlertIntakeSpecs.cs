using Akka.Actor;
using Akka.TestKit.Xunit2;
using LogAggregator.Alerting;
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
        var intake = Sys.ActorOf(AlertIntake.Props(deciders.Ref, TimeSpan.FromMilliseconds(300), samples: 3));

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
    public void With_no_linger_each_hand_over_goes_on_at_once()
    {
        var deciders = CreateTestProbe();
        var intake = Sys.ActorOf(AlertIntake.Props(deciders.Ref, TimeSpan.Zero, samples: 5));

        intake.Tell(new HandOver([Record("a", 1)]));
        intake.Tell(new HandOver([Record("a", 2)]));

        Assert.Equal(["1"], deciders.ExpectMsg<RecordOccurrences>().Occurrences.Select(o => o.Id));
        Assert.Equal(["2"], deciders.ExpectMsg<RecordOccurrences>().Occurrences.Select(o => o.Id));
    }

    [Fact]
    public void What_is_held_goes_on_when_the_intake_stops()
    {
        var deciders = CreateTestProbe();
        var intake = Sys.ActorOf(AlertIntake.Props(deciders.Ref, TimeSpan.FromHours(1), samples: 5));
        intake.Tell(new HandOver([Record("a", 1)]));
        deciders.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        intake.Tell(PoisonPill.Instance);

        Assert.Equal(["1"], deciders.ExpectMsg<RecordOccurrences>(TimeSpan.FromSeconds(5)).Occurrences.Select(o => o.Id));
    }

    [Fact]
    public void Once_a_decider_notes_its_cooldown_occurrences_dated_inside_it_no_longer_reach_it()
    {
        var deciders = CreateTestProbe();
        var intake = Sys.ActorOf(AlertIntake.Props(deciders.Ref, TimeSpan.Zero, samples: 5));

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
        intake.Tell(new HandOver([Record("a", 6, 7)]));
        intake.Tell(new HandOver([Record("b", 8)]));
        Assert.Equal("b", deciders.ExpectMsg<RecordOccurrences>().Key);
        deciders.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    private static RecordOccurrences Record(string key, params int[] ids) => new(
        new AlertSubject(key, "agent", "AGENT", null, key),
        ids.Select(i => new Occurrence(i.ToString(System.Globalization.CultureInfo.InvariantCulture), At.AddSeconds(i), Level.Error)).ToList(),
        ids.Select(i => new AlertSample(i.ToString(System.Globalization.CultureInfo.InvariantCulture), At.AddSeconds(i), $"message {i}")).ToList());
}
