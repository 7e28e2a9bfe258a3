using System.Text;
using System.Text.Json;
using LogAggregator.Ingestion;
using LogAggregator.Model;
using static LogAggregator.Tests.Ingestion.IngestionFixtures;

namespace LogAggregator.Tests.Ingestion;

public class JsonEntryReaderTests
{
    private const string DefaultAgent = "unknown";
    private const string DefaultSource = "api";

    [Theory]
    [InlineData("""{"level":"INFO"}""", "message")]
    [InlineData("""{"message":5}""", "message")]
    [InlineData("""{"message":null}""", "message")]
    [InlineData("""{"message":"m","level":"LOUD"}""", "level")]
    [InlineData("""{"message":"m","level":3}""", "level")]
    [InlineData("""{"message":"m","timestamp":"15/01/2024"}""", "timestamp")]
    [InlineData("""{"message":"m","timestamp":"2024-02-30T10:00:00Z"}""", "timestamp")]
    [InlineData("""{"message":"m","timestamp":true}""", "timestamp")]
    [InlineData("""{"message":"m","metadata":[1]}""", "metadata")]
    [InlineData("""{"message":"m","metadata":"x"}""", "metadata")]
    [InlineData("""{"message":"m","agent":5}""", "agent")]
    [InlineData("""{"message":"m","source":{}}""", "source")]
    [InlineData("[1,2]", "$")]
    [InlineData("\"text\"", "$")]
    public void Posted_entry_with_a_bad_field_is_rejected_naming_that_field(string body, string field)
    {
        using var document = JsonDocument.Parse(body);

        var fromElement = JsonEntryReader.ReadPosted(document.RootElement, DefaultAgent, DefaultSource, Now);
        var fromBytes = JsonEntryReader.ReadPosted(Encoding.UTF8.GetBytes(body), DefaultAgent, DefaultSource, Now);

        Assert.False(fromElement.IsValid);
        Assert.Equal(field, fromElement.ErrorField);
        Assert.Contains(field == "$" ? "JSON object" : field, fromElement.Error);
        Assert.Equal(field, fromBytes.ErrorField);
    }

    [Theory]
    [InlineData("{\"message\":")]
    [InlineData("{abc")]
    [InlineData("")]
    public void Posted_body_that_is_not_json_is_rejected_at_the_root(string body)
    {
        var result = JsonEntryReader.ReadPosted(Encoding.UTF8.GetBytes(body), DefaultAgent, DefaultSource, Now);

        Assert.False(result.IsValid);
        Assert.Equal(JsonEntryResult.RootField, result.ErrorField);
    }

    /// <summary>body, timestamp (null = now), level, agent, source, metadata.</summary>
    public static TheoryData<string, string?, Level, string, string, string> PostedEntries => new()
    {
        { """{"message":"m"}""", null, Level.Info, DefaultAgent, DefaultSource, "{}" },
        { """{"message":"m","agent":"Hermes","source":"cli","level":"Critical","timestamp":"2024-01-15 10:30:00"}""", "2024-01-15T10:30:00Z", Level.Critical, "Hermes", "cli", "{}" },
        { """{"message":"m","agent":"  ","source":""}""", null, Level.Info, DefaultAgent, DefaultSource, "{}" },
        { """{"id":"client-1","message":"m","metadata":{"a":1},"host":"h1"}""", null, Level.Info, DefaultAgent, DefaultSource, """{"a":1,"id":"client-1","host":"h1"}""" },
        { """{"message":"m","metadata":{},"timestamp":null}""", null, Level.Info, DefaultAgent, DefaultSource, "{}" },
        { """{"message":"m","metadata":{"note":"a  b\t\"c\"","n":[ 1 ,2 ]}}""", null, Level.Info, DefaultAgent, DefaultSource, """{"note":"a  b\t\"c\"","n":[1,2]}""" },
    };

    [Theory]
    [MemberData(nameof(PostedEntries))]
    public void Posted_entry_takes_the_callers_defaults_for_what_it_leaves_out(
        string body, string? timestamp, Level level, string agent, string source, string metadata)
    {
        using var document = JsonDocument.Parse(body);

        var result = JsonEntryReader.ReadPosted(document.RootElement, DefaultAgent, DefaultSource, Now);

        Assert.True(result.IsValid, result.Error);
        Assert.Equal(new LogEntry(At(timestamp), level, agent, "m", source, metadata), result.Entry);
    }

    [Fact]
    public void Tailed_bytes_and_tailed_text_read_the_same_entry()
    {
        const string line = """{"timestamp":"2024-01-15T10:30:00Z","level":"error","message":"é","k":[1]}""";

        Assert.True(JsonEntryReader.TryReadTailed(line, FileAgent, SourcePath, Now, out var fromText));
        Assert.True(JsonEntryReader.TryReadTailed(Encoding.UTF8.GetBytes(line), FileAgent, SourcePath, Now, out var fromBytes));

        Assert.Equal(fromText, fromBytes);
        Assert.Equal("""{"k":[1]}""", fromText.Metadata);
        Assert.Equal(Level.Error, fromText.Level);
    }
}
