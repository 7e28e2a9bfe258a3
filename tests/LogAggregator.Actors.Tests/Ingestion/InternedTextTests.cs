using System.Text;
using LogAggregator.Ingestion;
using LogAggregator.Model;
using static LogAggregator.Tests.Ingestion.IngestionFixtures;

namespace LogAggregator.Tests.Ingestion;

public class InternedTextTests
{
    [Fact]
    public void The_same_short_text_comes_back_as_the_same_string()
    {
        var first = InternedText.Of("{\"host\":\"host-7\"}"u8);
        var again = InternedText.Of("{\"host\":\"host-7\"}"u8);

        Assert.Equal("{\"host\":\"host-7\"}", first);
        Assert.Same(first, again);
    }

    [Fact]
    public void Every_text_decodes_as_utf8_whatever_shares_its_slot()
    {
        // Far more texts than the table has slots, each asked for twice: collisions must cost a miss, never a wrong string.
        var texts = Enumerable.Range(0, 5_000).Select(i => $"agent-{i}").ToList();
        foreach (var text in texts.Concat(texts))
        {
            Assert.Equal(text, InternedText.Of(Encoding.UTF8.GetBytes(text)));
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0xFF, 0x62 })]
    [InlineData(new byte[] { 0xC3, 0xA9, 0x74, 0xC3, 0xA9 })]
    [InlineData(new byte[] { 0x61, 0xC3 })]
    public void Text_outside_ascii_is_decoded_as_before_each_time(byte[] utf8)
    {
        var expected = Encoding.UTF8.GetString(utf8);

        Assert.Equal(expected, InternedText.Of(utf8));
        Assert.Equal(expected, InternedText.Of(utf8));
        Assert.False(InternedText.TryGet(utf8, out _));
    }

    [Fact]
    public void Long_text_is_decoded_afresh()
    {
        var text = new string('x', InternedText.MaxBytes + 1);

        var first = InternedText.Of(Encoding.UTF8.GetBytes(text));
        var again = InternedText.Of(Encoding.UTF8.GetBytes(text));

        Assert.Equal(text, again);
        Assert.NotSame(first, again);
    }

    [Fact]
    public void Posted_entries_of_one_agent_share_its_name_key_and_repeated_metadata()
    {
        var one = Read("""{"agent":"agent-07","host":"host-3","message":"first"}""");
        var two = Read("""{"agent":"agent-07","host":"host-3","message":"second"}""");
        var other = Read("""{"agent":"agent-08","host":"host-4","message":"third"}""");

        Assert.Same(one.Agent, two.Agent);
        Assert.Same(one.AgentKey, two.AgentKey);
        Assert.Same(one.Metadata, two.Metadata);
        Assert.Equal("AGENT-07", two.AgentKey);
        Assert.Equal("""{"host":"host-3"}""", two.Metadata);
        Assert.Equal(("agent-08", "AGENT-08", """{"host":"host-4"}"""), (other.Agent, other.AgentKey, other.Metadata));

        static LogEntry Read(string json)
        {
            var result = JsonEntryReader.ReadPosted(Encoding.UTF8.GetBytes(json), "unknown", "api", Now);
            Assert.True(result.IsValid);
            return result.Entry;
        }
    }

    [Fact]
    public void A_posted_agent_that_is_not_valid_utf8_is_refused_each_time()
    {
        byte[] json = [.. "{\"agent\":\"bad"u8, 0xFF, .. "\",\"message\":\"m\"}"u8];

        Assert.False(JsonEntryReader.ReadPosted(json, "unknown", "api", Now).IsValid);
        Assert.False(JsonEntryReader.ReadPosted(json, "unknown", "api", Now).IsValid);
    }
}
