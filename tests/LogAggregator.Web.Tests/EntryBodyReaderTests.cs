using System.Text;
using LogAggregator.Web.Controllers;

namespace LogAggregator.Web.Tests;

/// <summary>
/// Issue 13: a posted NDJSON line allocated seven objects (433 bytes a line on the peer benchmark's data): the entry and
/// its message, and also a new agent string, its upper-cased key, the metadata text, a result object and the
/// "line N: " label of an error message that was never sent. Held until the commit, they were most of what the GC
/// copied during an ingest.
/// </summary>
public class EntryBodyReaderTests
{
    [Fact]
    public void An_ndjson_body_allocates_little_beyond_each_entry_and_its_message()
    {
        var body = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 10_000).Select(i =>
            $$"""{"timestamp":"2025-01-01T00:00:{{i % 60:00}}.000Z","agent":"agent-{{i % 50:00}}","level":"warn","host":"host-{{i % 30}}","message":"worker {{i % 100:00}} processed batch {{i:000000}}"}""" + "\n")));
        EntryBodyReader.Parse(body, DateTime.UtcNow);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var entries = EntryBodyReader.Parse(body, DateTime.UtcNow);
        var perEntry = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)entries.Count;

        Assert.Equal(10_000, entries.Count);
        Assert.Equal(("agent-07", "AGENT-07", """{"host":"host-7"}"""), (entries[7].Agent, entries[7].AgentKey, entries[7].Metadata));
        // 192 bytes: the entry, its 32-character message, its slot in the list (397 before); one object more per line adds 40 or more.
        Assert.True(perEntry < 230, $"{perEntry:0} bytes allocated per entry");
    }
}
