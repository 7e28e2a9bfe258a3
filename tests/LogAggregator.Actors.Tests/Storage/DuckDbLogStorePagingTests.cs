using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Storage.DuckDb;
using static LogAggregator.Tests.Storage.StoreHarness;

namespace LogAggregator.Tests.Storage;

/// <summary>
/// The time window the embedded store reads a page through, sized from a day file's counters. That pages read
/// through it equal pages read without one is stated in the contract suite (LogStoreContract.Paging.cs).
/// </summary>
public sealed class DuckDbLogStorePagingTests
{
    private static readonly DateTime T0 = Day1.UtcDateTime;

    [Fact]
    public void The_window_starts_inside_a_file_only_when_it_leaves_rows_out()
    {
        var counters = new DayCounters();
        counters.Add("A", Level.Info, 1_000_000, T0, T0.AddHours(24));

        var narrow = TimeWindow.Cut(counters, LogFilter.None, 100);
        var everything = TimeWindow.Cut(counters, LogFilter.None, 1_000_000);

        Assert.NotNull(narrow);
        Assert.InRange(narrow.Value, T0.AddHours(23), T0.AddHours(24));
        Assert.Null(everything);
        Assert.Null(TimeWindow.Cut(counters, new LogFilter(AgentKey: "B"), 100));
    }
}
