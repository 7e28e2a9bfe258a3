using System.Text;
using LogAggregator.Ingestion;
using LogAggregator.Model;
using static LogAggregator.Tests.Ingestion.IngestionFixtures;

namespace LogAggregator.Tests.Ingestion;

public class MultiLineAssemblerTests
{
    /// <summary>The file's lines, and each expected entry as the index of its first and last line.</summary>
    public static TheoryData<string, string[], (int First, int Last)[]> Files => new()
    {
        {
            "python traceback",
            [
                "2024-01-15 10:30:00 - ERROR - WORKER - Job failed",
                "Traceback (most recent call last):",
                "  File \"job.py\", line 3, in <module>",
                "    run()",
                "ValueError: bad input",
                "2024-01-15 10:30:01 - INFO - WORKER - Next job",
            ],
            [(0, 4), (5, 5)]
        },
        {
            "java stack trace",
            [
                "Exception in thread \"main\" java.lang.IllegalStateException: boom",
                "\tat com.example.App.run(App.java:10)",
                "\tat com.example.App.main(App.java:5)",
                "Caused by: java.io.IOException: disk",
                "\t... 2 more",
                "[INFO] APP: recovered",
            ],
            [(0, 4), (5, 5)]
        },
        {
            "continuation with nothing pending",
            ["  at orphan.Frame(X.java:1)", "    at next.Frame(X.java:2)", "INFO: next"],
            [(0, 1), (2, 2)]
        },
        {
            "plain line not after a continuation",
            ["INFO: start", "ValueError: not after a traceback"],
            [(0, 0), (1, 1)]
        },
        {
            "only the first plain line closes a traceback",
            ["ERROR: failed", "Traceback (most recent call last):", "  File \"x.py\", line 1", "ValueError: x", "some plain text"],
            [(0, 3), (4, 4)]
        },
        {
            "structured line after a continuation",
            ["ERROR: failed", "    at a", "WARN: next"],
            [(0, 1), (2, 2)]
        },
        {
            "json entry with a trace",
            ["{\"level\":\"error\",\"message\":\"boom\"}", "  at a", "{\"message\":\"ok\"}"],
            [(0, 1), (2, 2)]
        },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Stack_trace_lines_join_the_entry_before_them(string file, string[] lines, (int First, int Last)[] expected)
    {
        Assert.NotEmpty(file);
        var ends = EndOffsets(lines);

        var entries = Feed(new MultiLineAssembler(SourcePath, clock: new FixedClock(Now)), lines);

        Assert.Equal(expected.Length, entries.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            var (first, last) = expected[i];
            Assert.Equal(first == 0 ? 0 : ends[first - 1], entries[i].StartOffset);
            Assert.Equal(ends[last], entries[i].EndOffset);
            var message = entries[i].Entry.Message;
            Assert.EndsWith(string.Join('\n', lines[(first + 1)..(last + 1)]), message);
            Assert.Equal(last - first, message.Count(c => c == '\n'));
        }
    }

    [Fact]
    public void Python_traceback_becomes_one_error_entry_with_the_header_line_parsed()
    {
        var entries = Feed(new MultiLineAssembler(SourcePath, clock: new FixedClock(Now)),
        [
            "2024-01-15 10:30:00 - ERROR - WORKER - Job failed",
            "Traceback (most recent call last):",
            "  File \"job.py\", line 3",
            "ValueError: bad input",
        ]);

        var entry = Assert.Single(entries).Entry;
        Assert.Equal(
            new LogEntry(At("2024-01-15T10:30:00Z"), Level.Error, "WORKER",
                "Job failed\nTraceback (most recent call last):\n  File \"job.py\", line 3\nValueError: bad input", SourcePath, "{}"),
            entry);
    }

    [Fact]
    public void Empty_and_whitespace_only_lines_are_skipped_but_counted_in_offsets()
    {
        var assembler = new MultiLineAssembler(SourcePath, startOffset: 100, clock: new FixedClock(Now));

        Assert.Null(assembler.Add("INFO: one\n", 110));
        Assert.Null(assembler.Add("\n", 111));
        Assert.Null(assembler.Add("   \r\n", 116));
        var first = assembler.Add("INFO: two\n", 126);
        var second = assembler.Flush();

        Assert.Equal(new ParsedEntry(new LogEntry(Now, Level.Info, FileAgent, "one", SourcePath, "{}"), 100, 110), first);
        Assert.Equal(new ParsedEntry(new LogEntry(Now, Level.Info, FileAgent, "two", SourcePath, "{}"), 116, 126), second);
    }

    [Fact]
    public void Pending_start_offset_marks_what_a_tailer_has_not_yet_been_given()
    {
        var assembler = new MultiLineAssembler(SourcePath, clock: new FixedClock(Now));
        Assert.Null(assembler.PendingStartOffset);
        Assert.Equal(0, assembler.CheckpointOffset);

        assembler.Add("INFO: one", 10);
        Assert.Equal(0, assembler.PendingStartOffset);

        assembler.Add("  more", 17);
        Assert.Equal(0, assembler.PendingStartOffset);
        Assert.Equal(0, assembler.CheckpointOffset);

        var first = assembler.Add("INFO: two", 27);
        Assert.Equal((0, 17), (first!.StartOffset, first.EndOffset));
        Assert.Equal("one\n  more", first.Entry.Message);
        Assert.Equal(17, assembler.PendingStartOffset);
        Assert.Equal(17, assembler.CheckpointOffset);

        var second = assembler.Flush();
        Assert.Equal((17, 27), (second!.StartOffset, second.EndOffset));
        Assert.Null(assembler.PendingStartOffset);
        Assert.Equal(27, assembler.CheckpointOffset);
        Assert.Null(assembler.Flush());
    }

    [Fact]
    public void Flush_after_a_flush_starts_a_fresh_entry_without_the_old_message()
    {
        var assembler = new MultiLineAssembler(SourcePath, clock: new FixedClock(Now));
        assembler.Add("ERROR: a", 9);
        assembler.Add("  at x", 16);
        Assert.Equal("a\n  at x", assembler.Flush()!.Entry.Message);

        assembler.Add("ValueError: after a flush", 42);
        assembler.Add("  at y", 49);

        Assert.Equal("ValueError: after a flush\n  at y", assembler.Flush()!.Entry.Message);
    }

    [Fact]
    public void Stack_trace_growing_past_a_megabyte_stops_growing_and_is_marked_truncated()
    {
        var assembler = new MultiLineAssembler(SourcePath, clock: new FixedClock(Now));
        var frame = "    at " + new string('f', 1000);
        assembler.Add("ERROR: deep recursion", 22);
        long offset = 22;
        for (var i = 0; i < 1500; i++)
        {
            offset += frame.Length + 1;
            Assert.Null(assembler.Add(frame, offset));
        }

        var entry = assembler.Flush()!;

        Assert.Equal(EntryLimits.MaxMessageLength, entry.Entry.Message.Length);
        Assert.StartsWith("deep recursion\n    at ", entry.Entry.Message);
        Assert.Equal("""{"truncated":true}""", entry.Entry.Metadata);
        Assert.Equal(offset, entry.EndOffset);
    }

    private static long[] EndOffsets(string[] lines)
    {
        var ends = new long[lines.Length];
        long offset = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            offset += Encoding.UTF8.GetByteCount(lines[i]) + 1;
            ends[i] = offset;
        }

        return ends;
    }

    private static List<ParsedEntry> Feed(MultiLineAssembler assembler, string[] lines)
    {
        var entries = new List<ParsedEntry>();
        var ends = EndOffsets(lines);
        for (var i = 0; i < lines.Length; i++)
        {
            if (assembler.Add(lines[i], ends[i]) is { } entry)
            {
                entries.Add(entry);
            }
        }

        if (assembler.Flush() is { } last)
        {
            entries.Add(last);
        }

        return entries;
    }
}
