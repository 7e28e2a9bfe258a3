namespace LogAggregator.EndToEnd.Tests;

/// <summary>One page per incident across stops and crashes: not zero, not two.</summary>
public sealed class AlertRestartTests : IAsyncLifetime
{
    private readonly AlertServer _alerts = new();

    public Task InitializeAsync() => _alerts.Server.StartAsync();

    public async Task DisposeAsync() => await _alerts.DisposeAsync();

    [Fact]
    public async Task Errors_inside_the_cooldown_page_no_second_time_after_a_SIGTERM_nor_after_a_SIGKILL()
    {
        const string agent = "LEDGER";
        await PostErrorsAsync(agent, 5, 0);
        await _alerts.WaitForDeliveriesAsync(agent);

        await _alerts.Server.StopAsync();
        await _alerts.Server.StartAsync();
        await PostErrorsAsync(agent, 5, 5);
        await ControlAsync("after-sigterm", 1);
        AssertDeliveredOnce(agent, "after a SIGTERM");

        await _alerts.Server.KillAsync();
        await _alerts.Server.StartAsync();
        await PostErrorsAsync(agent, 5, 10);
        await ControlAsync("after-sigkill", 2);
        AssertDeliveredOnce(agent, "after a SIGKILL");
    }

    [Fact]
    public async Task Three_errors_a_SIGKILL_and_two_more_errors_page_once_and_a_critical_acknowledged_before_the_kill_pages_once()
    {
        const string agent = "TRIAGE";
        const string critical = "MELTDOWN";
        await PostErrorsAsync(agent, 3, 0);
        // Acknowledged, then killed at once: the hand-off may not have happened; the catch-up must supply it.
        await _alerts.PostAsync(AlertServer.Entry(critical, "CRITICAL", "containment 2 breached"));
        await _alerts.Server.KillAsync();

        await _alerts.Server.StartAsync();
        await _alerts.WaitForDeliveriesAsync(critical);
        await PostErrorsAsync(agent, 2, 3);
        await _alerts.WaitForDeliveriesAsync(agent);
        await ControlAsync("after-kill", 1);
        AssertDeliveredOnce(agent, "3 errors, SIGKILL, 2 errors");
        AssertDeliveredOnce(critical, "a CRITICAL acknowledged before a SIGKILL");
        var alert = _alerts.DeliveredFor(agent).Single().Json.GetProperty("metadata");
        Assert.Equal(5, alert.GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task An_alert_waiting_for_HERMES_survives_a_SIGKILL_and_is_delivered_once_when_HERMES_is_back()
    {
        const string agent = "STRANDED";
        _alerts.Hermes.Refuse();
        try
        {
            await _alerts.PostAsync(AlertServer.Entry(agent, "CRITICAL", "generator 6 offline"));
            await ServerProcess.EventuallyAsync(() => Task.FromResult(_alerts.Server.Output),
                o => o.Contains($"HERMES unreachable", StringComparison.Ordinal) && o.Contains($"{agent}:generator <num> offline", StringComparison.Ordinal),
                AlertServer.Wait);
            await _alerts.Server.KillAsync();
            await _alerts.Server.StartAsync();
        }
        finally
        {
            _alerts.Hermes.Accept();
        }

        await _alerts.WaitForDeliveriesAsync(agent);
        await ControlAsync("after-outage", 1);
        AssertDeliveredOnce(agent, "an alert held in the outbox across a SIGKILL");
    }

    /// <summary><paramref name="count"/> errors of one key, the <paramref name="first"/>-th onwards, one POST each.</summary>
    private async Task PostErrorsAsync(string agent, int count, int first)
    {
        for (var i = first; i < first + count; i++)
        {
            await _alerts.PostAsync(AlertServer.Entry(agent, "ERROR", $"settlement {i} rejected by bank {i * 7}"));
        }
    }

    /// <summary>A later CRITICAL that is delivered: what came before it and would have paged has paged by then.</summary>
    private async Task ControlAsync(string name, int nth)
    {
        await _alerts.PostAsync(AlertServer.Entry("CONTROL", "CRITICAL", $"control {name}"));
        await _alerts.WaitForDeliveriesAsync("CONTROL", nth);
    }

    private void AssertDeliveredOnce(string agent, string when)
    {
        var delivered = _alerts.DeliveredFor(agent);
        Assert.True(delivered.Count == 1,
            $"{when}: HERMES took {delivered.Count} alert(s) about {agent}: {AlertServer.Describe(delivered)}\nserver output (tail):\n{AlertServer.Tail(_alerts.Server.Output)}");
    }
}
