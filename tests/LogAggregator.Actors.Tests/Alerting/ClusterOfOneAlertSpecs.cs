using LogAggregator.Alerting;
using LogAggregator.Model;
using static LogAggregator.Alerting.AlertCatchUpProtocol;

namespace LogAggregator.Tests.Alerting;

/// <summary>
/// The server's own setting (no seed nodes): a key's first entity in a process does not read the store, so its
/// window comes from the hand-off and the start-up catch-up; an entity that lived before in the process rebuilds.
/// </summary>
public sealed class ClusterOfOneAlertSpecs : AlertSpec
{
    protected override bool ClusterOfOne => true;

    [Fact]
    public async Task Three_errors_committed_before_the_start_count_through_the_catch_up()
    {
        // The previous process committed them and died before handing them over; this one starts with fresh entities.
        await Store.AppendAsync(
            [
                Entry(UtcNow.AddSeconds(1), Level.Error, "payment 11 declined"),
                Entry(UtcNow.AddSeconds(2), Level.Error, "payment 12 declined"),
                Entry(UtcNow.AddSeconds(3), Level.Error, "payment 13 declined"),
            ],
            []);
        Clock.Now = Start.AddSeconds(30);
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(CatchUpCompleted));
        Sys.ActorOf(AlertCatchUp.Props(Store, Rules, Thresholds, Clock));
        probe.ExpectMsg<CatchUpCompleted>(TimeSpan.FromSeconds(10));
        ExpectNoAlert();

        Ingest(Entry(UtcNow, Level.Error, "payment 14 declined"), Entry(UtcNow.AddSeconds(1), Level.Error, "payment 15 declined"));
        Assert.Equal(5, ExpectAlert().Count);
    }

    [Fact]
    public void An_entity_stopped_and_recreated_in_the_same_process_rebuilds_its_window()
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
}
