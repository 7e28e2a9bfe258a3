using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Storage.Contract;

public abstract partial class LogStoreContract
{
    /// <summary>Strings a store could mangle: NUL, a character of every Unicode plane, RTL marks, a replacement character.</summary>
    public static TheoryData<string> AwkwardText() => new()
    {
        "a\u0000b",
        "\u0000",
        "end\u0000",
        string.Concat(Enumerable.Range(0, 17).Select(plane => char.ConvertFromUtf32(plane == 0 ? 0x00E9 : plane * 0x10000 + (plane is 15 or 16 ? 0x0001 : 0x0041)))),
        "abc\u200Fdef\u202Eghi",
        "lone \uFFFD replaced",
    };

    [Theory]
    [MemberData(nameof(AwkwardText))]
    public async Task Messages_metadata_and_agent_names_round_trip_exactly(string text)
    {
        var metadata = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { [text] = text });
        var agent = "AGENT" + text;
        var ids = await AppendAsync(Entry(text, agent: agent, metadata: metadata));

        var byId = (await Store.GetAsync(ids[0]))!.Entry;
        var listed = Assert.Single((await Store.QueryAsync(new LogFilter(AgentKey: AgentKeys.Of(agent)), new Paging(10, 0))).Entries).Entry;
        var agents = await Store.GetAgentsAsync();
        await Subject.SettleAsync();
        var found = await Store.SearchAsync(SearchPattern.Parse(text), LogFilter.None, new Paging(10, 0));

        foreach (var entry in new[] { byId, listed })
        {
            Assert.Equal(text, entry.Message);
            Assert.Equal(agent, entry.Agent);
            Assert.Equal(metadata, entry.Metadata);
        }

        Assert.Contains(agent, agents);
        Assert.Equal(text, Assert.Single(found).Entry.Message);
    }

    [Fact]
    public async Task A_one_mebibyte_message_and_metadata_round_trip_exactly()
    {
        var text = string.Concat(Enumerable.Repeat("x\u0000\U0001F600\u202E", 1024 * 1024 / 5));
        var metadata = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["big"] = text });
        var ids = await AppendAsync(Entry(text, metadata: metadata));

        var entry = (await Store.GetAsync(ids[0]))!.Entry;

        Assert.Equal(text, entry.Message);
        Assert.Equal(metadata, entry.Metadata);
    }
}
