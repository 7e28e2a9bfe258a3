using System.Buffers;
using System.Text;
using System.Text.Json;
using LogAggregator.Ingestion.Protocols;
using LogAggregator.Model;

namespace LogAggregator.Actors.Tests.Ingestion.Protocols;

public sealed class SyslogMessageTests
{
    private static readonly DateTime Now = new(2024, 3, 10, 12, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData("<34>1 2024-01-15T10:30:00.123Z web01 su 4711 ID47 - 'su root' failed", "su", Level.Critical, "'su root' failed", "2024-01-15T10:30:00.1230000Z")]
    [InlineData("<165>1 2024-01-15T10:30:00+02:00 host - - - [exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"x\\]\"] \uFEFFhello", "host", Level.Info, "hello", "2024-01-15T08:30:00.0000000Z")]
    [InlineData("<11>1 - - - - - -", "unknown", Level.Error, "", "2024-03-10T12:00:00.0000000Z")]
    [InlineData("<13>Feb  5 17:32:18 mymachine myproc[10]: %% It's time", "myproc", Level.Info, "%% It's time", "2024-02-05T17:32:18.0000000Z")]
    [InlineData("<12>Dec 31 23:59:59 box cron: new year", "cron", Level.Warning, "new year", "2023-12-31T23:59:59.0000000Z")]
    [InlineData("<15>orders: payment timeout\0", "orders", Level.Debug, "payment timeout", "2024-03-10T12:00:00.0000000Z")]
    [InlineData("no priority at all", "unknown", Level.Info, "no priority at all", "2024-03-10T12:00:00.0000000Z")]
    public void Each_format_gives_agent_level_message_and_timestamp(string text, string agent, Level level, string message, string timestamp)
    {
        var entry = SyslogMessage.Parse(text, Now, 256, TimeZoneInfo.Utc);

        Assert.Equal(agent, entry.Agent);
        Assert.Equal(level, entry.Level);
        Assert.Equal(message, entry.Message);
        Assert.Equal(timestamp, entry.Timestamp.ToString("O"));
    }

    [Fact]
    public void Structured_data_is_kept_in_metadata_with_its_escapes_undone()
    {
        var entry = SyslogMessage.Parse(
            "<165>1 2024-01-15T10:30:00Z host app 12 ID1 [a@1 x=\"1\" y=\"q\\\"\\]\"][b@2 z=\"2\"] msg", Now, 256);

        var metadata = JsonDocument.Parse(entry.Metadata).RootElement;
        Assert.Equal("q\"]", metadata.GetProperty("structured_data").GetProperty("a@1").GetProperty("y").GetString());
        Assert.Equal("2", metadata.GetProperty("structured_data").GetProperty("b@2").GetProperty("z").GetString());
        Assert.Equal("local4", metadata.GetProperty("facility").GetString());
        Assert.Equal("12", metadata.GetProperty("procid").GetString());
        Assert.Equal("msg", entry.Message);
    }

    [Fact]
    public void TCP_framing_reads_octet_counted_and_newline_framed_messages_and_waits_for_partial_ones()
    {
        var bytes = Encoding.UTF8.GetBytes("11 <13>1 - a b\n<14>line two\r\n9 <13>x");
        var buffer = new ReadOnlySequence<byte>(bytes);
        var messages = new List<string>();
        while (SyslogFraming.TryRead(ref buffer, 1 << 20, out var message))
        {
            messages.Add(message!);
        }

        Assert.Equal(["<13>1 - a b", "<14>line two\r"], messages);
        Assert.Equal("9 <13>x", Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
