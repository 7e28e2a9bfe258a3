namespace LogAggregator.Tests.Storage.Contract;

public abstract partial class LogStoreContract
{
    [Fact]
    public async Task Agents_beyond_the_daily_limit_are_refused_and_known_ones_always_admitted()
    {
        Assert.Empty(await Store.AdmitAgentsAsync(["A", "B"], 3));
        await AppendAsync(Entry("from c", agent: "c"));

        // C was written without asking: it counts all the same. Admitted but unwritten A and B count too.
        Assert.Equal(["D", "E"], await Store.AdmitAgentsAsync(["A", "D", "C", "E"], 3));
        Assert.Empty(await Store.AdmitAgentsAsync(["B", "A", "C"], 3));
    }

    [Fact]
    public async Task The_agent_limit_counts_each_day_of_arrival_afresh_and_survives_a_reopen()
    {
        await AppendAsync(Entry("one", agent: "A"), Entry("two", agent: "B"));
        Assert.Equal(["C"], await Store.AdmitAgentsAsync(["C"], 2));

        await Subject.ReopenAsync();
        Assert.Equal(["C"], await Store.AdmitAgentsAsync(["C"], 2));

        Clock.Now = Clock.Now.AddDays(1);
        Assert.Empty(await Store.AdmitAgentsAsync(["C", "D"], 2));
        Assert.Equal(["A"], await Store.AdmitAgentsAsync(["A"], 2));
    }

    [Fact]
    public async Task Agents_admitted_from_many_threads_never_exceed_the_limit()
    {
        var keys = Enumerable.Range(0, 200).Select(i => $"AGENT-{i}").ToList();
        var refused = await Task.WhenAll(keys.Select(k => Task.Run(() => Store.AdmitAgentsAsync([k], 50))));

        Assert.Equal(150, refused.Count(r => r.Count == 1));
    }
}
