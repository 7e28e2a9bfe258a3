using System.Text;
using System.Text.Json;
using LogAggregator.Ingestion;
using LogAggregator.Model;

namespace LogAggregator.Tests.Ingestion;

public sealed class EntryLimitsTests
{
    private static LogEntry Entry(string message, string metadata = LogEntry.EmptyMetadata) =>
        new(new DateTime(2026, 12, 3, 0, 0, 0, DateTimeKind.Utc), Level.Info, "A", message, "api", metadata);

    [Fact]
    public void Every_value_at_the_limits_stays_under_DuckDBs_block_in_UTF8()
    {
        const int block = 256 * 1024;
        Assert.True(Encoding.UTF8.GetMaxByteCount(EntryLimits.MaxMessageLength) - 3 < block);
        Assert.True(Encoding.UTF8.GetMaxByteCount(EntryLimits.MaxMetadataLength) - 3 < block);
    }

    [Fact]
    public void A_message_over_the_limit_is_cut_and_marked_keeping_the_metadata()
    {
        var entry = EntryLimits.Truncate(Entry(new string('x', EntryLimits.MaxMessageLength + 1), """{"user":"u1"}"""));

        Assert.Equal(EntryLimits.MaxMessageLength, entry.Message.Length);
        Assert.Equal("""{"truncated":true,"user":"u1"}""", entry.Metadata);
    }

    [Fact]
    public void Metadata_over_the_limit_is_dropped_and_said_so_and_stays_JSON()
    {
        var huge = JsonSerializer.Serialize(new { blob = new string('y', EntryLimits.MaxMetadataLength) });

        var entry = EntryLimits.Truncate(Entry("kept whole", huge));

        Assert.Equal("kept whole", entry.Message);
        Assert.Equal("""{"truncated":true,"metadata_dropped":true}""", entry.Metadata);
    }

    [Fact]
    public void Entries_within_the_limits_are_left_as_they_are()
    {
        var original = Entry(new string('x', EntryLimits.MaxMessageLength), """{"k":1}""");

        Assert.Same(original, EntryLimits.Truncate(original));
    }

    [Fact]
    public void Metadata_just_under_the_limit_with_a_long_message_does_not_pass_it_once_marked()
    {
        var metadata = JsonSerializer.Serialize(new { blob = new string('y', EntryLimits.MaxMetadataLength - 12) });
        Assert.True(metadata.Length <= EntryLimits.MaxMetadataLength);

        var entry = EntryLimits.Truncate(Entry(new string('x', EntryLimits.MaxMessageLength + 5), metadata));

        Assert.True(entry.Metadata.Length <= EntryLimits.MaxMetadataLength);
        Assert.True(JsonDocument.Parse(entry.Metadata).RootElement.GetProperty("truncated").GetBoolean());
    }
}
