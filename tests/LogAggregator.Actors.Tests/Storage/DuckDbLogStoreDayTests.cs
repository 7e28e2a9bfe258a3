using LogAggregator.Storage;
using static LogAggregator.Tests.Storage.StoreHarness;

namespace LogAggregator.Tests.Storage;

public sealed class DuckDbLogStoreDayTests : IAsyncLifetime
{
    private readonly StoreHarness _harness = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Crossing_midnight_utc_starts_a_new_day_file()
    {
        var first = await _harness.AppendAsync(Entry("day one"));
        _harness.Clock.Now = new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);
        var second = await _harness.AppendAsync(Entry("day two", at: Day1.UtcDateTime));

        Assert.Equal(["20261123-1"], first);
        Assert.Equal(["20261124-1"], second);
        Assert.Equal(
            ["2026-11-23.duckdb", "2026-11-24.duckdb"],
            Directory.GetFiles(_harness.LogsDirectory, "*.duckdb").Select(Path.GetFileName).Order());
        var stats = await _harness.Store.GetStatsAsync();
        Assert.Equal([1L, 1L], stats.Files.Select(f => f.Count));
        Assert.Equal(2, (await _harness.Store.QueryAsync(LogFilter.None, new Paging(10, 0))).Total);
        Assert.Equal("day one", (await _harness.Store.GetAsync(first[0]))?.Entry.Message);
    }

    [Fact]
    public async Task Queries_skip_day_files_whose_entries_are_outside_the_range()
    {
        await _harness.AppendAsync(Entry("old", at: Day1.UtcDateTime.AddHours(-5)));
        _harness.Clock.Now = Day1.AddDays(1);
        await _harness.AppendAsync(Entry("new", at: Day1.UtcDateTime.AddDays(1)));

        var page = await _harness.Store.QueryAsync(new LogFilter(From: Day1.UtcDateTime), new Paging(10, 0));

        Assert.Equal("new", Assert.Single(page.Entries).Entry.Message);
        Assert.Equal(1, page.Total);
    }

    [Fact]
    public async Task Retention_deletes_old_days_but_never_the_file_being_written()
    {
        await _harness.AppendAsync(Entry("day one"));
        _harness.Clock.Now = Day1.AddDays(1);
        await _harness.AppendAsync(Entry("day two"));

        var deleted = await _harness.Store.DeleteDaysBeforeAsync(new DateOnly(2026, 12, 31));

        Assert.Equal(["2026-11-23.duckdb"], deleted);
        Assert.Equal(["2026-11-24.duckdb"], Directory.GetFiles(_harness.LogsDirectory, "*.duckdb").Select(Path.GetFileName));
        var stats = await _harness.Store.GetStatsAsync();
        Assert.Equal(1, stats.TotalLogs);
        Assert.Equal("2026-11-24.duckdb", Assert.Single(stats.Files).Name);
        Assert.Null(await _harness.Store.GetAsync("20261123-1"));
        Assert.Equal(["20261124-2"], await _harness.AppendAsync(Entry("still writing")));
    }

    [Fact]
    public async Task A_restarted_store_sees_every_day()
    {
        await _harness.AppendAsync(Entry("day one"));
        _harness.Clock.Now = Day1.AddDays(1);
        await _harness.AppendAsync(Entry("day two"));
        await _harness.ReopenAsync();

        var stats = await _harness.Store.GetStatsAsync();

        Assert.Equal(2, stats.TotalLogs);
        Assert.Equal(2, stats.Files.Count);
        Assert.Empty(_harness.Store.SkippedFiles);
    }

    [Fact]
    public async Task A_damaged_day_file_is_skipped_and_reported_instead_of_stopping_the_store()
    {
        await _harness.AppendAsync(Entry("good"));
        await File.WriteAllTextAsync(Path.Combine(_harness.LogsDirectory, "2026-11-20.duckdb"), "not a database");
        await _harness.ReopenAsync();

        Assert.Contains(_harness.Store.SkippedFiles, s => s.StartsWith("2026-11-20.duckdb", StringComparison.Ordinal));
        Assert.Equal(1, (await _harness.Store.GetStatsAsync()).TotalLogs);
    }
}
