using LogAggregator.Model;

namespace LogAggregator.Tests.Storage.Contract;

public abstract partial class LogStoreContract
{
    [Fact]
    public async Task Error_summary_groups_errors_of_the_window_by_masked_pattern()
    {
        var from = T0;
        var to = T0.AddHours(1);
        await AppendAsync(
            Entry("timeout after 5012 ms", level: Level.Error, at: from),
            Entry("timeout after 733 ms", agent: "HERMES", level: Level.Critical, at: from.AddMinutes(1)),
            Entry("timeout after 733 ms", agent: "HERMES", level: Level.Error, at: from.AddMinutes(2)),
            Entry("disk /dev/sda1 full", agent: "ATLAS", level: Level.Fatal, at: from.AddMinutes(3)),
            Entry("timeout after 1 ms", level: Level.Warning, at: from.AddMinutes(4)),
            Entry("timeout after 2 ms", level: Level.Info, at: from.AddMinutes(4)),
            Entry("timeout after 3 ms", level: Level.Error, at: from.AddSeconds(-1)),
            Entry("timeout after 4 ms", level: Level.Error, at: to));
        ArriveOnDay(1);
        await AppendAsync(Entry("timeout after 99 ms", level: Level.Error, at: from.AddMinutes(30)));

        var summary = await Store.ErrorSummaryAsync(from, to, top: 10);
        var topOne = await Store.ErrorSummaryAsync(from, to, top: 1);

        Assert.Equal(5, summary.TotalErrors);
        Assert.Equal(new Dictionary<string, long> { ["CERBERUS"] = 2, ["HERMES"] = 2, ["ATLAS"] = 1 }, summary.ByAgent);
        Assert.Equal(2, summary.TopErrors.Count);
        var timeout = summary.TopErrors[0];
        Assert.Equal("timeout after <num> ms", timeout.Pattern);
        Assert.Equal(4, timeout.Count);
        Assert.Equal(["CERBERUS", "HERMES"], timeout.Agents);
        Assert.Equal("timeout after 733 ms", timeout.Sample);
        var disk = summary.TopErrors[1];
        Assert.Equal(("disk /dev/sda1 full", 1L, "disk /dev/sda1 full"), (disk.Pattern, disk.Count, disk.Sample));
        Assert.Equal(["ATLAS"], disk.Agents);
        Assert.Equal("timeout after <num> ms", Assert.Single(topOne.TopErrors).Pattern);
    }

    [Fact]
    public async Task Error_summary_samples_the_message_seen_most_often_across_days()
    {
        await AppendAsync(
            Entry("retry 1 failed", level: Level.Error, at: T0),
            Entry("retry 2 failed", level: Level.Error, at: T0.AddMinutes(1)),
            Entry("retry 2 failed", agent: "HERMES", level: Level.Error, at: T0.AddMinutes(2)));
        ArriveOnDay(1);
        await AppendAsync(
            Entry("retry 1 failed", agent: "ATLAS", level: Level.Error, at: T0.AddMinutes(3)),
            Entry("retry 1 failed", agent: "ATLAS", level: Level.Error, at: T0.AddMinutes(4)));

        var summary = await Store.ErrorSummaryAsync(T0, T0.AddHours(1), top: 10);

        var retry = Assert.Single(summary.TopErrors);
        Assert.Equal(("retry <num> failed", 5L, "retry 1 failed"), (retry.Pattern, retry.Count, retry.Sample));
        Assert.Equal(["ATLAS", "CERBERUS", "HERMES"], retry.Agents);
    }

    [Fact]
    public async Task A_later_summary_counts_rows_stored_since_and_drops_rows_that_left_the_window()
    {
        await AppendAsync(
            Entry("disk 1 full", agent: "ATLAS", level: Level.Error, at: T0),
            Entry("disk 2 full", level: Level.Error, at: T0.AddMinutes(30)));
        var first = await Store.ErrorSummaryAsync(T0, T0.AddHours(2), top: 10);
        await AppendAsync(
            Entry("disk 3 full", agent: "HERMES", level: Level.Critical, at: T0.AddHours(1)),
            Entry("disk 4 full", agent: "HERMES", level: Level.Error, at: T0.AddHours(3)));

        var later = await Store.ErrorSummaryAsync(T0.AddMinutes(10), T0.AddHours(2), top: 10);

        Assert.Equal(2, first.TotalErrors);
        Assert.Equal(2, later.TotalErrors);
        Assert.Equal(new Dictionary<string, long> { ["CERBERUS"] = 1, ["HERMES"] = 1 }, later.ByAgent);
        var disk = Assert.Single(later.TopErrors);
        Assert.Equal(("disk <num> full", 2L, "disk 2 full"), (disk.Pattern, disk.Count, disk.Sample));
        Assert.Equal(["CERBERUS", "HERMES"], disk.Agents);
    }

    [Fact]
    public async Task Error_summary_of_a_window_without_errors_is_empty()
    {
        await AppendAsync(Entry("fine"), Entry("boom", level: Level.Error, at: T0.AddDays(-2)));

        var summary = await Store.ErrorSummaryAsync(T0.AddHours(-24), T0.AddHours(1), 10);

        Assert.Equal(0, summary.TotalErrors);
        Assert.Empty(summary.ByAgent);
        Assert.Empty(summary.TopErrors);
    }
}
