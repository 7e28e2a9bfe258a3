using Akka.Actor;
using LogAggregator.Alerting;
using LogAggregator.Model;
using static LogAggregator.Alerting.AlertCatchUpProtocol;

namespace LogAggregator.Tests.Alerting;

public sealed class AlertCatchUpSpecs : AlertSpec
{
    /// <summary>Commits straight to the log store: acknowledged, but the hand-off died with the process.</summary>
    private async Task CommitWithoutHandOffAsync(params LogEntry[] entries) => await Store.AppendAsync(entries, []);

    private void CatchUp()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(CatchUpCompleted));
        Sys.ActorOf(AlertCatchUp.Props(Store, Rules, Thresholds, Clock));
        probe.ExpectMsg<CatchUpCompleted>(TimeSpan.FromSeconds(10));
        Sys.EventStream.Unsubscribe(probe.Ref);
    }

    [Fact]
    public async Task Three_errors_then_a_kill_then_two_more_errors_give_exactly_one_alert()
    {
        Ingest(Entry(UtcNow.AddSeconds(1), Level.Error, "payment 11 declined"));
        await CommitWithoutHandOffAsync(
            Entry(UtcNow.AddSeconds(2), Level.Error, "payment 12 declined"),
            Entry(UtcNow.AddSeconds(3), Level.Error, "payment 13 declined"));
        StopEntities();

        // The restarted node: the catch-up hands over all three (the first a second time), then two more arrive.
        Clock.Now = Start.AddSeconds(30);
        CatchUp();
        ExpectNoAlert();
        Ingest(Entry(UtcNow, Level.Error, "payment 14 declined"), Entry(UtcNow.AddSeconds(1), Level.Error, "payment 15 declined"));

        Assert.Equal(5, ExpectAlert().Count);
        ExpectNoAlert();
    }

    [Fact]
    public async Task A_critical_acknowledged_right_before_a_kill_pages_after_the_restart_once()
    {
        await CommitWithoutHandOffAsync(Entry(UtcNow, Level.Critical, "controller 1 offline"));

        Clock.Now = Start.AddSeconds(20);
        CatchUp();
        var alert = ExpectAlert();
        Assert.Equal("[CRITICAL] CERBERUS: Critical Alert", alert.Title);

        // Another restart a minute later: the catch-up replays it again, inside the journaled cooldown.
        StopEntities();
        Clock.Now = Start.AddMinutes(1);
        CatchUp();
        ExpectNoAlert();
    }

    [Fact]
    public async Task Entries_dated_before_the_catch_up_period_are_not_replayed()
    {
        await CommitWithoutHandOffAsync(Entry(UtcNow, Level.Critical, "fan 3 stopped"));

        Clock.Now = Start.AddMinutes(11);
        CatchUp();
        ExpectNoAlert();

        // Positive control: the same entry, dated inside the period, is.
        await CommitWithoutHandOffAsync(Entry(UtcNow, Level.Critical, "fan 3 stopped"));
        CatchUp();
        Assert.Equal(1, ExpectAlert().Count);
    }
}
