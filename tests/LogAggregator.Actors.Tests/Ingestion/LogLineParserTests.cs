using LogAggregator.Ingestion;
using LogAggregator.Model;
using static LogAggregator.Tests.Ingestion.IngestionFixtures;

namespace LogAggregator.Tests.Ingestion;

public class LogLineParserTests
{
    private const string Whole = "<the whole line>";

    /// <summary>line, format, timestamp (null = now), level, agent, message.</summary>
    public static TheoryData<string, LineFormat, string?, Level, string, string> TextLines => new()
    {
        { "2024-01-15 10:30:00 - INFO - CERBERUS - Service started", LineFormat.Standard, "2024-01-15T10:30:00Z", Level.Info, "CERBERUS", "Service started" },
        { "2024-01-15T10:30:00.123456Z - ERROR - CERBERUS - Disk full", LineFormat.Standard, "2024-01-15T10:30:00.123456Z", Level.Error, "CERBERUS", "Disk full" },
        { "2024-01-15 10:30:00,250 - DEBUG - worker-1 - Python's comma", LineFormat.Standard, "2024-01-15T10:30:00.25Z", Level.Debug, "worker-1", "Python's comma" },
        { "2024-01-15 10:30:00 | WARNING | billing.v2 | Slow query | took 5s", LineFormat.Standard, "2024-01-15T10:30:00Z", Level.Warning, "billing.v2", "Slow query | took 5s" },
        { "2024-01-15 10:30:00 - WARN - agent_2 - Low memory", LineFormat.Standard, "2024-01-15T10:30:00Z", Level.Warning, "agent_2", "Low memory" },
        { "2024-01-15 10:30:00 - fatal - CORE - Crash", LineFormat.Standard, "2024-01-15T10:30:00Z", Level.Fatal, "CORE", "Crash" },
        { "2024-01-15 10:30:00 - INFO - A - keeps - dashes", LineFormat.Standard, "2024-01-15T10:30:00Z", Level.Info, "A", "keeps - dashes" },
        { "2024-01-15T12:30:00+02:00 - INFO - A - offset", LineFormat.Standard, "2024-01-15T10:30:00Z", Level.Info, "A", "offset" },
        { "2024-01-15 10:30:00 - INFO - MY_AGENT -", LineFormat.Standard, "2024-01-15T10:30:00Z", Level.Info, "MY_AGENT", "" },
        { "2024-01-15 10:30:00 - NOTICE - CORE - unknown level", LineFormat.Plain, null, Level.Info, FileAgent, Whole },
        { "2024-01-15 10:30:00 - INFO - two words - x", LineFormat.Plain, null, Level.Info, FileAgent, Whole },
        { "2024-13-45 10:30:00 - INFO - A - no such date", LineFormat.Plain, null, Level.Info, FileAgent, Whole },
        { "[ERROR] HERMES: Connection refused", LineFormat.Bracketed, null, Level.Error, "HERMES", "Connection refused" },
        { "[warn] billing.v2-eu_1: retrying", LineFormat.Bracketed, null, Level.Warning, "billing.v2-eu_1", "retrying" },
        { "[CRITICAL] core:", LineFormat.Bracketed, null, Level.Critical, "core", "" },
        { "[TRACE] HERMES: unknown level", LineFormat.Plain, null, Level.Info, FileAgent, Whole },
        { "[INFO] no colon here", LineFormat.Plain, null, Level.Info, FileAgent, Whole },
        { "ERROR - Something failed", LineFormat.Simple, null, Level.Error, FileAgent, "Something failed" },
        { "critical: out of memory", LineFormat.Simple, null, Level.Critical, FileAgent, "out of memory" },
        { "WARN: low disk", LineFormat.Simple, null, Level.Warning, FileAgent, "low disk" },
        { "FATAL - kernel panic", LineFormat.Simple, null, Level.Fatal, FileAgent, "kernel panic" },
        { "Debug:tight", LineFormat.Simple, null, Level.Debug, FileAgent, "tight" },
        { "INFO: trailing carriage return\r", LineFormat.Simple, null, Level.Info, FileAgent, "trailing carriage return" },
        { "Hello - world", LineFormat.Plain, null, Level.Info, FileAgent, Whole },
        { "INFORMATION: not a level word", LineFormat.Plain, null, Level.Info, FileAgent, Whole },
        { "Just some text", LineFormat.Plain, null, Level.Info, FileAgent, Whole },
    };

    [Theory]
    [MemberData(nameof(TextLines))]
    public void Text_line_is_read_by_the_first_format_that_matches(
        string line, LineFormat format, string? timestamp, Level level, string agent, string message)
    {
        var parsed = LogLineParser.Parse(line, SourcePath, FileAgent, Now);

        Assert.Equal(format, parsed.Format);
        Assert.Equal(At(timestamp), parsed.Entry.Timestamp);
        Assert.Equal(DateTimeKind.Utc, parsed.Entry.Timestamp.Kind);
        Assert.Equal(level, parsed.Entry.Level);
        Assert.Equal(agent, parsed.Entry.Agent);
        Assert.Equal(message == Whole ? line : message, parsed.Entry.Message);
        Assert.Equal(SourcePath, parsed.Entry.Source);
        Assert.Equal("{}", parsed.Entry.Metadata);
    }

    /// <summary>line, timestamp (null = now), level, agent, message, metadata.</summary>
    public static TheoryData<string, string?, Level, string, string, string> JsonLines => new()
    {
        { """{"timestamp":"2024-01-15T10:30:00Z","level":"warn","agent":"hermes","message":"hi"}""", "2024-01-15T10:30:00Z", Level.Warning, "hermes", "hi", "{}" },
        { """{"message":"m","request_id":"r1","latency_ms":12.50,"id":"abc"}""", null, Level.Info, FileAgent, "m", """{"request_id":"r1","latency_ms":12.50,"id":"abc"}""" },
        { """{"message":"m","metadata":{"user":{"id":7,"roles":["a","b"]}}}""", null, Level.Info, FileAgent, "m", """{"user":{"id":7,"roles":["a","b"]}}""" },
        { """{"message": "m", "metadata": { "a": 1, "b": [1, 2] }, "extra": "x y"}""", null, Level.Info, FileAgent, "m", """{"a":1,"b":[1,2],"extra":"x y"}""" },
        { """{"message":"m","metadata":{"k":1},"k":2}""", null, Level.Info, FileAgent, "m", """{"k":1}""" },
        { """{"timestamp":"2024-01-15T12:30:00+02:00","message":"m"}""", "2024-01-15T10:30:00Z", Level.Info, FileAgent, "m", "{}" },
        { """{"timestamp":"2024-01-15T05:30:00-0500","message":"m"}""", "2024-01-15T10:30:00Z", Level.Info, FileAgent, "m", "{}" },
        { """{"timestamp":"2024-01-15T10:30:00.5","message":"m"}""", "2024-01-15T10:30:00.5Z", Level.Info, FileAgent, "m", "{}" },
        { """{"timestamp":1705314600,"message":"m"}""", "2024-01-15T10:30:00Z", Level.Info, FileAgent, "m", "{}" },
        { """{"timestamp":1705314600250,"message":"m"}""", "2024-01-15T10:30:00.25Z", Level.Info, FileAgent, "m", "{}" },
        { """{"timestamp":1705314600.123456,"message":"m"}""", "2024-01-15T10:30:00.123456Z", Level.Info, FileAgent, "m", "{}" },
        { """{"level":"verbose","message":"m"}""", null, Level.Info, FileAgent, "m", """{"level_raw":"verbose"}""" },
        { """{"timestamp":"yesterday","message":"m"}""", null, Level.Info, FileAgent, "m", """{"timestamp_raw":"yesterday"}""" },
        { """{"message":"m","agent":42,"metadata":"flat"}""", null, Level.Info, FileAgent, "m", """{"agent_raw":42,"metadata_raw":"flat"}""" },
        { """{"level":"loud","message":"m","metadata":{"level_raw":"x","a":1}}""", null, Level.Info, FileAgent, "m", """{"level_raw":"loud","a":1}""" },
        { """{"message":"m","source":"app.py"}""", null, Level.Info, FileAgent, "m", """{"source":"app.py"}""" },
        { """{"message":"m","agent":"","level":null}""", null, Level.Info, FileAgent, "m", "{}" },
        { """{"message":"line\nnext \u00e9 \"q\""}""", null, Level.Info, FileAgent, "line\nnext é \"q\"", "{}" },
        { """{"msg":"no message field","level":"ERROR"}""", null, Level.Error, FileAgent, Whole, """{"msg":"no message field"}""" },
        { """{"message":{"nested":true}}""", null, Level.Info, FileAgent, Whole, "{}" },
    };

    [Theory]
    [MemberData(nameof(JsonLines))]
    public void Json_object_line_is_read_field_by_field_with_the_rest_in_metadata(
        string line, string? timestamp, Level level, string agent, string message, string metadata)
    {
        var parsed = LogLineParser.Parse(line, SourcePath, FileAgent, Now);

        Assert.Equal(LineFormat.Json, parsed.Format);
        Assert.Equal(At(timestamp), parsed.Entry.Timestamp);
        Assert.Equal(DateTimeKind.Utc, parsed.Entry.Timestamp.Kind);
        Assert.Equal(level, parsed.Entry.Level);
        Assert.Equal(agent, parsed.Entry.Agent);
        Assert.Equal(message == Whole ? line : message, parsed.Entry.Message);
        Assert.Equal(SourcePath, parsed.Entry.Source);
        Assert.Equal(metadata, parsed.Entry.Metadata);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("{abc")]
    [InlineData("{\"message\":\"m\"} trailing")]
    [InlineData("{\"message\":\"m\"")]
    [InlineData("{}{}")]
    public void Line_that_is_not_one_json_object_is_plain_text(string line)
    {
        var parsed = LogLineParser.Parse(line, SourcePath, FileAgent, Now);

        Assert.Equal(LineFormat.Plain, parsed.Format);
        Assert.Equal(line, parsed.Entry.Message);
        Assert.Equal(FileAgent, parsed.Entry.Agent);
        Assert.Equal("{}", parsed.Entry.Metadata);
    }

    [Theory]
    [InlineData("  File \"job.py\", line 3", true)]
    [InlineData("\tat com.example.App.run(App.java:10)", true)]
    [InlineData("at com.example.App.run(App.java:10)", true)]
    [InlineData("Traceback (most recent call last):", true)]
    [InlineData("Caused by: java.io.IOException: disk", true)]
    [InlineData("attempt 2 failed", false)]
    [InlineData("Caused by a typo", false)]
    [InlineData("ValueError: bad input", false)]
    [InlineData("Exception in thread \"main\" java.lang.IllegalStateException", false)]
    [InlineData("", false)]
    public void Stack_trace_lines_are_continuations(string line, bool continuation)
    {
        Assert.Equal(continuation, LogLineParser.IsContinuation(line));
        if (line.Length > 0)
        {
            Assert.Equal(continuation, LogLineParser.Parse(line, SourcePath, FileAgent, Now).IsContinuation);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Line_over_a_megabyte_is_truncated_and_marked(bool json)
    {
        var text = new string('x', EntryLimits.MaxMessageLength + 10);
        var line = json ? "{\"message\":\"" + text + "\",\"metadata\":{\"a\":1}}" : text;

        var entry = LogLineParser.Parse(line, SourcePath, FileAgent, Now).Entry;

        Assert.Equal(EntryLimits.MaxMessageLength, entry.Message.Length);
        Assert.Equal(json ? """{"truncated":true,"a":1}""" : """{"truncated":true}""", entry.Metadata);
    }
}
