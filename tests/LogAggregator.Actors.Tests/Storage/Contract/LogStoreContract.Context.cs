namespace LogAggregator.Tests.Storage.Contract;

public abstract partial class LogStoreContract
{
    [Fact]
    public async Task Context_follows_arrival_order_of_one_source_and_agent_across_a_day_boundary()
    {
        // l3 carries an earlier timestamp than l2, as a tailed file may: arrival order still puts it after l2.
        var day1 = await AppendAsync(
            Entry("l1", at: T0), Entry("other agent", agent: "HERMES", at: T0.AddSeconds(1)) with { Source = "/tmp/cerberus.log" }, Entry("l2", at: T0.AddSeconds(2)),
            Entry("other source", at: T0.AddSeconds(3)) with { Source = "api" }, Entry("l3", at: T0.AddSeconds(1)));
        ArriveOnDay(1);
        var day2 = await AppendAsync(Entry("l4", at: T0.AddDays(1)), Entry("l5", at: T0.AddDays(1)), Entry("l6", at: T0.AddDays(1)));

        var aroundL4 = await Store.GetContextAsync(day2[0], before: 2, after: 1);
        var aroundL3 = await Store.GetContextAsync(day1[4], before: 10, after: 2);

        Assert.NotNull(aroundL4);
        Assert.Equal(["l3", "l2"], Messages(aroundL4.Before));
        Assert.Equal("l4", aroundL4.Target.Entry.Message);
        Assert.Equal(day2[0], aroundL4.Target.Id);
        Assert.Equal(["l5"], Messages(aroundL4.After));
        Assert.NotNull(aroundL3);
        Assert.Equal(["l2", "l1"], Messages(aroundL3.Before));
        Assert.Equal(["l5", "l4"], Messages(aroundL3.After));
    }

    [Fact]
    public async Task Context_reaches_over_a_day_without_entries_of_that_source_and_survives_a_restart()
    {
        var first = await AppendAsync(Entry("a1"), Entry("a2"));
        ArriveOnDay(1);
        await AppendAsync(Entry("someone else", agent: "HERMES"));
        ArriveOnDay(2);
        var third = await AppendAsync(Entry("a3"));
        await Subject.ReopenAsync();

        var aroundA3 = await Store.GetContextAsync(third[0], before: 5, after: 5);
        var aroundA1 = await Store.GetContextAsync(first[0], before: 5, after: 5);

        Assert.Equal(["a2", "a1"], Messages(aroundA3!.Before));
        Assert.Empty(aroundA3.After);
        Assert.Empty(aroundA1!.Before);
        Assert.Equal(["a3", "a2"], Messages(aroundA1.After)); // newest first, as every list
    }

    [Fact]
    public async Task Context_with_zero_before_and_after_holds_only_the_target()
    {
        var ids = await AppendAsync(Entry("a"), Entry("b"), Entry("c"));

        var context = await Store.GetContextAsync(ids[1], before: 0, after: 0);

        Assert.NotNull(context);
        Assert.Empty(context.Before);
        Assert.Empty(context.After);
        Assert.Equal("b", context.Target.Entry.Message);
    }

    [Theory]
    [InlineData("20261123-99")]
    [InlineData("20201010-1")]
    [InlineData("not-an-id")]
    [InlineData("")]
    public async Task Context_of_an_unknown_or_malformed_id_is_null(string id)
    {
        await AppendAsync(Entry("a"));

        Assert.Null(await Store.GetContextAsync(id, 5, 5));
    }
}
