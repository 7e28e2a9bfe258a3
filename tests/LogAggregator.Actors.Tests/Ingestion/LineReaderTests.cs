using System.Text;
using LogAggregator.Ingestion;

namespace LogAggregator.Tests.Ingestion;

public sealed class LineReaderTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "linereader-" + Guid.NewGuid().ToString("N")[..8] + ".log");

    private List<FileLine> ReadAll(long offset = 0, int maxLineBytes = 1024)
    {
        using var reader = new LineReader(_path, offset, maxLineBytes, 16);
        var lines = new List<FileLine>();
        while (reader.ReadLines(lines))
        {
        }

        return lines;
    }

    [Fact]
    public void Complete_lines_come_with_their_byte_offsets_and_a_half_written_one_waits()
    {
        File.WriteAllText(_path, "one\r\ntwo\nthr");

        var lines = ReadAll();

        Assert.Equal([new FileLine("one", 0, 5, false), new FileLine("two", 5, 9, false)], lines);
    }

    [Fact]
    public void The_half_written_line_is_handed_out_when_the_file_went_idle()
    {
        File.WriteAllText(_path, "one\nthr");
        using var reader = new LineReader(_path, 0, 1024, 64);
        var lines = new List<FileLine>();
        reader.ReadLines(lines);

        Assert.True(reader.HasPartialLine);
        reader.ReadPartial(lines);

        Assert.Equal(new FileLine("thr", 4, 7, false), lines[^1]);
        Assert.Equal(7, reader.Position);
    }

    [Fact]
    public void A_byte_order_mark_at_the_start_of_the_file_is_not_part_of_the_first_line()
    {
        File.WriteAllBytes(_path, [0xEF, 0xBB, 0xBF, .. "2024-01-01 00:00:00 - INFO - A - m\n"u8]);

        var line = Assert.Single(ReadAll());

        Assert.Equal("2024-01-01 00:00:00 - INFO - A - m", line.Text);
        Assert.Equal(3, line.StartOffset);
    }

    [Fact]
    public void Invalid_utf8_becomes_replacement_characters()
    {
        File.WriteAllBytes(_path, [(byte)'a', 0xFF, 0xFE, (byte)'b', (byte)'\n']);

        Assert.Equal("a\uFFFD\uFFFDb", Assert.Single(ReadAll()).Text);
    }

    [Fact]
    public void A_line_over_the_limit_is_cut_and_its_rest_skipped()
    {
        File.WriteAllText(_path, new string('x', 100) + "\nnext\n");

        var lines = ReadAll(maxLineBytes: 40);

        Assert.Equal(2, lines.Count);
        Assert.Equal(new string('x', 40), lines[0].Text);
        Assert.True(lines[0].Truncated);
        Assert.Equal("next", lines[1].Text);
        Assert.Equal(106, lines[1].EndOffset);
    }

    [Fact]
    public void Reading_resumes_at_an_offset()
    {
        File.WriteAllText(_path, "one\ntwo\n", Encoding.ASCII);

        Assert.Equal([new FileLine("two", 4, 8, false)], ReadAll(offset: 4));
    }

    public void Dispose() => File.Delete(_path);
}
