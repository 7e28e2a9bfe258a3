using Akka.Actor;
using LogAggregator.Alerting;
using LogAggregator.Model;

namespace LogAggregator.Tests.Alerting;

public sealed class ScheduledCheckSpecs : AlertSpec
{
    private IActorRef StartDailySummary() =>
        Sys.ActorOf(DailySummary.Props(Rules, Store, Notifier.Ref, Clock, checkEvery: TimeSpan.FromHours(1), redeliverEvery: TimeSpan.FromSeconds(1)));

    private IActorRef StartSilentAgentCheck() =>
        Sys.ActorOf(SilentAgentCheck.Props(Rules, Store, Notifier.Ref, Clock, redeliverEvery: TimeSpan.FromSeconds(1)));

    private void StopAndWait(IActorRef actor)
    {
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);
    }

    private static DateTime At(int day, int hour, int minute) => new(2024, 1, day, hour, minute, 0, DateTimeKind.Utc);

    [Fact]
    public async Task The_daily_summary_fires_once_at_its_time_and_not_again_after_a_restart()
    {
        await Store.AppendAsync(
        [
            Entry(At(15, 6, 0), Level.Error, "slow reply after 5012 ms"),
            Entry(At(15, 6, 1), Level.Error, "slow reply after 733 ms"),
            Entry(At(15, 6, 2), Level.Critical, "disk 3 failed"),
            Entry(At(15, 6, 3), Level.Error, "slow reply after 9 ms", agent: "Atlas"),
            Entry(At(15, 6, 4), Level.Info, "all good"),
        ], []);
        Clock.Now = At(15, 7, 0);
        var summary = StartDailySummary();
        ExpectNoAlert();

        Clock.Now = At(15, 8, 0).AddSeconds(30);
        summary.Tell(DailySummaryProtocol.Tick.Instance);
        var alert = ExpectAlert();
        Assert.Equal("Daily Error Summary", alert.Title);
        Assert.Equal(AlertKeys.DailySummary, alert.Key);
        Assert.Equal(4, alert.Count);
        Assert.Equal(At(14, 8, 0), alert.FirstSeen);
        Assert.Equal(At(15, 8, 0), alert.LastSeen);
        Assert.Contains("CERBERUS 3", alert.Reason);
        Assert.Contains("1. slow reply after <num> ms (3;", alert.Reason);

        summary.Tell(DailySummaryProtocol.Tick.Instance);
        ExpectNoAlert();
        StopAndWait(summary);
        summary = StartDailySummary();
        ExpectNoAlert();

        // Positive control: the next day's is sent.
        Clock.Now = At(16, 8, 1);
        summary.Tell(DailySummaryProtocol.Tick.Instance);
        Assert.Equal(At(16, 8, 0), ExpectAlert().LastSeen);
    }

    [Fact]
    public void A_summary_that_fell_due_while_the_node_was_down_is_sent_at_start_once()
    {
        Clock.Now = At(15, 7, 0);
        var summary = StartDailySummary();
        ExpectNoAlert();
        StopAndWait(summary);

        Clock.Now = At(15, 9, 30);
        summary = StartDailySummary();
        Assert.Equal(At(15, 8, 0), ExpectAlert().LastSeen);
        StopAndWait(summary);

        StartDailySummary();
        ExpectNoAlert();
    }

    [Fact]
    public async Task A_silent_agent_raises_one_alert_per_silence_and_its_return_ends_the_silence()
    {
        await Store.AppendAsync([Entry(At(15, 10, 0), Level.Info, "heartbeat")], []);
        Clock.Now = At(15, 10, 20);
        var check = StartSilentAgentCheck();
        check.Tell(SilentAgentCheckProtocol.Tick.Instance);
        ExpectNoAlert();

        Clock.Now = At(15, 10, 31);
        check.Tell(SilentAgentCheckProtocol.Tick.Instance);
        var alert = ExpectAlert();
        Assert.Equal(AlertKeys.ForSilentAgent("CERBERUS"), alert.Key);
        Assert.Equal("[WARNING] CERBERUS: Agent silent", alert.Title);
        Assert.Equal(Level.Warning, alert.Level);
        Assert.Equal("no log for 30 min (last entry at 2024-01-15T10:00:00Z)", alert.Reason);

        // Still silent: neither the next check nor a restart repeats it.
        Clock.Now = At(15, 10, 40);
        check.Tell(SilentAgentCheckProtocol.Tick.Instance);
        ExpectNoAlert();
        StopAndWait(check);
        check = StartSilentAgentCheck();
        check.Tell(SilentAgentCheckProtocol.Tick.Instance);
        ExpectNoAlert();

        // It returns, then falls silent again: a new silence, a new alert.
        await Store.AppendAsync([Entry(At(15, 10, 45), Level.Info, "heartbeat")], []);
        Clock.Now = At(15, 10, 46);
        check.Tell(SilentAgentCheckProtocol.Tick.Instance);
        ExpectNoAlert();
        Clock.Now = At(15, 11, 20);
        check.Tell(SilentAgentCheckProtocol.Tick.Instance);
        var second = ExpectAlert();
        Assert.Equal(alert.Key, second.Key);
        Assert.NotEqual(alert.Id, second.Id);
    }
}
