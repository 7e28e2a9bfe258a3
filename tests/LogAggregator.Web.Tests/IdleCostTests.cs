using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;

namespace LogAggregator.Web.Tests;

/// <summary>
/// What an idle server spends its CPU on is set by settings, not by code a test could watch; these pin the settings
/// that took it from 4-5% of a core to under 1% (docs/BENCHMARKS.md "Idle files"), so a HOCON reshuffle cannot lose them.
/// </summary>
public sealed class IdleCostTests
{
    [Fact]
    public async Task The_server_wakes_its_timer_wheel_every_50_ms_rather_than_akkas_default_10()
    {
        await using var host = await TestHost.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();

        Assert.Equal(TimeSpan.FromMilliseconds(50), system.Settings.Config.GetTimeSpan("akka.scheduler.tick-duration"));
    }

    [Fact]
    public async Task An_operator_file_can_still_choose_another_tick()
    {
        var file = Path.Combine(Path.GetTempPath(), "logagg-tick-" + Guid.NewGuid().ToString("N")[..12] + ".conf");
        await File.WriteAllTextAsync(file, "akka.scheduler.tick-duration = 20ms");
        try
        {
            await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["LOG_AGGREGATOR_CONFIG"] = file });
            var system = host.Services.GetRequiredService<ActorSystem>();

            Assert.Equal(TimeSpan.FromMilliseconds(20), system.Settings.Config.GetTimeSpan("akka.scheduler.tick-duration"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
