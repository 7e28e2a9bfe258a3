using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage.Contract;

public abstract partial class LogStoreContract
{
    private static readonly Level[] Severe = [Level.Error, Level.Critical, Level.Fatal];

    [Fact]
    public async Task Several_levels_at_once_filter_queries_searches_histograms_and_counts()
    {
        await AppendAsync(
            Entry("disk a", level: Level.Info, at: T0),
            Entry("disk b", level: Level.Error, at: T0.AddMinutes(1)),
            Entry("disk c", level: Level.Warning, at: T0.AddMinutes(2)),
            Entry("disk d", level: Level.Fatal, at: T0.AddMinutes(3)),
            Entry("disk e", agent: "HERMES", level: Level.Critical, at: T0.AddMinutes(4)));
        ArriveOnDay(1);
        await AppendAsync(Entry("disk f", level: Level.Error, at: T0.AddMinutes(5)));
        await Subject.SettleAsync();
        var severe = new LogFilter(Levels: Severe);

        var page = await QueryAsync(severe);
        var cerberus = await QueryAsync(severe with { AgentKey = "CERBERUS", From = T0.AddMinutes(2) });
        var found = await Store.SearchAsync(SearchPattern.Parse("disk"), severe, new Paging(10, 0));
        var histogram = await Store.HistogramAsync(severe, HistogramInterval.Hour);
        var counts = await Store.CountAsync(severe);

        Assert.Equal(["disk f", "disk e", "disk d", "disk b"], Messages(page.Entries));
        Assert.Equal(4, page.Total);
        Assert.Equal(["disk f", "disk d"], Messages(cerberus.Entries));
        Assert.Equal(2, cerberus.Total);
        Assert.Equal(["disk f", "disk e", "disk d", "disk b"], Messages(found));
        var bucket = Assert.Single(histogram.Buckets);
        Assert.Equal(new Dictionary<Level, long> { [Level.Error] = 2, [Level.Critical] = 1, [Level.Fatal] = 1 }, bucket.ByLevel);
        Assert.Equal(4, counts.Sum(c => c.Count));
        Assert.DoesNotContain(counts, c => c.Level is Level.Info or Level.Warning);
    }

    [Fact]
    public async Task A_single_level_and_a_level_set_both_apply_and_an_empty_set_matches_nothing()
    {
        await AppendAsync(Entry("a", level: Level.Error, at: T0), Entry("b", level: Level.Info, at: T0.AddMinutes(1)));

        Assert.Equal(["a"], Messages((await QueryAsync(new LogFilter(Level: Level.Error, Levels: Severe))).Entries));
        Assert.Empty((await QueryAsync(new LogFilter(Level: Level.Info, Levels: Severe))).Entries);
        Assert.Empty((await QueryAsync(new LogFilter(Levels: []))).Entries);
        Assert.Equal(0, (await QueryAsync(new LogFilter(Levels: []))).Total);
        Assert.Empty((await Store.HistogramAsync(new LogFilter(Levels: []), HistogramInterval.Hour)).Buckets);
    }
}
