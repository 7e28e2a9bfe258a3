using LogAggregator.Storage;
using static LogAggregator.Tests.Storage.StoreHarness;

namespace LogAggregator.Tests.Storage;

/// <summary>
/// How the embedded store keeps days: one DuckDB file per arrival day, ids that name that day, damaged files
/// skipped. What any store does with days (stats, queries, retention) is in the contract suite.
/// </summary>
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
    }

    [Fact]
    public async Task Ids_name_the_arrival_day_and_still_find_entries_after_a_restart()
    {
        var ids = await _harness.AppendAsync(Entry("one"), Entry("two"));
        await _harness.ReopenAsync();

        Assert.Equal(["20261123-1", "20261123-2"], ids);
        Assert.Equal("two", (await _harness.Store.GetAsync(ids[1]))?.Entry.Message);
        Assert.Equal(ids[1], (await _harness.Store.QueryAsync(LogFilter.None, new Paging(1, 0))).Entries[0].Id);
        Assert.Null(await _harness.Store.GetAsync("20261123-99"));
        Assert.Null(await _harness.Store.GetAsync("20200101-1"));
        Assert.Null(await _harness.Store.GetAsync("not-an-id"));
    }

    [Fact]
    public async Task A_restarted_store_continues_the_sequence()
    {
        await _harness.AppendAsync(Entry("one"), Entry("two"));
        await _harness.ReopenAsync();

        var ids = await _harness.AppendAsync(Entry("three"));

        Assert.Equal(["20261123-3"], ids);
    }

    [Fact]
    public async Task Retention_deletes_old_day_files_but_never_the_file_being_written()
    {
        await _harness.AppendAsync(Entry("day one"));
        _harness.Clock.Now = Day1.AddDays(1);
        await _harness.AppendAsync(Entry("day two"));

        await _harness.Store.DeleteDaysBeforeAsync(new DateOnly(2026, 12, 31));

        Assert.Equal(["2026-11-24.duckdb"], Directory.GetFiles(_harness.LogsDirectory, "*.duckdb").Select(Path.GetFileName));
        Assert.Empty(Directory.GetFiles(_harness.LogsDirectory, "2026-11-23.duckdb*"));
        Assert.Equal(["20261124-2"], await _harness.AppendAsync(Entry("still writing")));
    }

    [Fact]
    public async Task A_restarted_store_opens_every_day_file()
    {
        await _harness.AppendAsync(Entry("day one"));
        _harness.Clock.Now = Day1.AddDays(1);
        await _harness.AppendAsync(Entry("day two"));
        await _harness.ReopenAsync();

        Assert.Equal(2, (await _harness.Store.GetStatsAsync()).Days.Count);
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
