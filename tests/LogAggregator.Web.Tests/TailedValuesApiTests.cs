using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using LogAggregator.Ingestion;

namespace LogAggregator.Web.Tests;

/// <summary>What a tailed file holds comes back exactly over HTTP: the file → GET half of "values round-trip exactly".</summary>
public sealed class TailedValuesApiTests : IAsyncLifetime
{
    /// <summary>NUL, a character of each of the 17 planes, RTL marks.</summary>
    private static readonly string Awkward = "a\u0000b " + string.Concat(Enumerable.Range(0, 17).Select(p => char.ConvertFromUtf32(p == 0 ? 0x00E9 : p * 0x10000 + 0x41)))
        + " \u200Fx\u202Ey";

    /// <summary>Characters outside ASCII written as UTF-8; NUL and other controls as the escapes JSON requires.</summary>
    private static readonly JsonSerializerOptions RawUtf8 = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Tailed_text_round_trips_exactly_in_message_metadata_and_agent()
    {
        var agent = "File" + Awkward;
        var big = WholeOf(Awkward, EntryLimits.MaxMessageLength);
        var plainBig = WholeOf("plain " + Awkward, EntryLimits.MaxMessageLength);
        // Metadata is kept as JSON text, where a character may take 6 (an escape): an eighth of the limit stays under it.
        var bigValue = WholeOf(Awkward, EntryLimits.MaxMetadataLength / 8);
        var file = new MemoryStream();
        WriteLine(file, JsonSerializer.Serialize(
            new Dictionary<string, object> { ["agent"] = agent, ["message"] = Awkward, ["metadata"] = new Dictionary<string, string> { [Awkward] = Awkward }, ["top" + Awkward] = Awkward },
            RawUtf8));
        // Lone surrogates can only arrive as JSON escapes; invalid UTF-8 as bytes, in any line.
        WriteLine(file, """{"agent":"LONE\ud800","message":"x\ud800y\udc00z","metadata":{"k\udfff":"\ud800"}}""");
        WriteLine(file, [.. "{\"agent\":\"BYTES"u8, 0xFF, .. "\",\"message\":\"q"u8, 0xC3, .. "r\",\"metadata\":{\"v\":\"s"u8, 0xE2, 0x82, .. "t\"}}"u8]);
        // A plain-text line may carry a raw NUL byte and invalid UTF-8; it is stored under the file's agent.
        WriteLine(file, [.. Encoding.UTF8.GetBytes("plain " + Awkward + " raw"), 0x00, .. "nul "u8, 0xFF, 0xFE, .. " end"u8]);
        WriteLine(file, $$"""{"agent":"FILEBIG","message":{{JsonString(big)}}}""");
        WriteLine(file, $$$"""{"agent":"FILEBIG","message":"small","metadata":{"big":{{{JsonString(bigValue)}}}}}""");
        WriteLine(file, Encoding.UTF8.GetBytes(plainBig));
        await File.WriteAllBytesAsync(Path.Combine(_host.LogDir, "roundtrip.log"), file.ToArray());

        await EventuallyAsync(async () => (await _host.GetJsonAsync("/api/stats")).GetProperty("total_logs").GetInt64(), stored => stored >= 7);

        var awkward = Single(await LogsOfAsync(agent));
        Assert.Equal(agent, awkward.GetProperty("agent").GetString());
        Assert.Equal(Awkward, awkward.GetProperty("message").GetString());
        Assert.Equal(Awkward, awkward.GetProperty("metadata").GetProperty(Awkward).GetString());
        Assert.Equal(Awkward, awkward.GetProperty("metadata").GetProperty("top" + Awkward).GetString());

        var lone = Single(await LogsOfAsync("LONE\uFFFD"));
        Assert.Equal("LONE\uFFFD", lone.GetProperty("agent").GetString());
        Assert.Equal("x\uFFFDy\uFFFDz", lone.GetProperty("message").GetString());
        Assert.Equal("\uFFFD", lone.GetProperty("metadata").GetProperty("k\uFFFD").GetString());

        var bytes = Single(await LogsOfAsync("BYTES\uFFFD"));
        Assert.Equal("BYTES\uFFFD", bytes.GetProperty("agent").GetString());
        Assert.Equal("q\uFFFDr", bytes.GetProperty("message").GetString());
        Assert.Equal("s\uFFFDt", bytes.GetProperty("metadata").GetProperty("v").GetString());

        var plain = await LogsOfAsync("ROUNDTRIP");
        Assert.Equal(2, plain.Count);
        Assert.Contains("plain " + Awkward + " raw\u0000nul \uFFFD\uFFFD end", plain.Select(e => e.GetProperty("message").GetString()));
        Assert.Contains(plainBig, plain.Select(e => e.GetProperty("message").GetString()));

        var large = await LogsOfAsync("filebig");
        Assert.Equal(2, large.Count);
        Assert.Contains(big, large.Select(e => e.GetProperty("message").GetString()));
        Assert.Contains(bigValue, large.Select(e => e.GetProperty("metadata").TryGetProperty("big", out var value) ? value.GetString() : null));
    }

    /// <summary>The entries the agent filter finds for <paramref name="agent"/>, sent percent-encoded in the query string.</summary>
    private async Task<IReadOnlyList<JsonElement>> LogsOfAsync(string agent) =>
        (await _host.GetJsonAsync("/api/logs?agent=" + Uri.EscapeDataString(agent))).GetProperty("logs").EnumerateArray().ToList();

    private static JsonElement Single(IReadOnlyList<JsonElement> entries) => Assert.Single(entries);

    /// <summary>
    /// A JSON string as the serializer writes it: every character outside ASCII escaped, each half of a surrogate
    /// pair as its own <c>\uXXXX</c> (12 bytes a character), NUL as 6. A message at the limit so written still fits the
    /// tailer's line limit (<c>ingestion.max-line-bytes</c>).
    /// </summary>
    private static string JsonString(string text) => JsonSerializer.Serialize(text);

    /// <summary>Just under <paramref name="length"/> UTF-16 units (the message limit: the largest kept whole), never ending in half a pair.</summary>
    private static string WholeOf(string unit, int length)
    {
        var text = string.Concat(Enumerable.Repeat(unit, length / unit.Length + 1))[..length];
        text = char.IsHighSurrogate(text[^1]) ? text[..^1] : text;
        return text.TrimEnd(); // a tailed line's trailing whitespace is not part of its message
    }

    private static void WriteLine(Stream file, string line) => WriteLine(file, Encoding.UTF8.GetBytes(line));

    private static void WriteLine(Stream file, byte[] line)
    {
        file.Write(line);
        file.WriteByte((byte)'\n');
    }

    private static async Task EventuallyAsync(Func<Task<long>> read, Func<long, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long seen;
        while (!done(seen = await read()))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the tailed lines were not all stored within 30 s; last count {seen}");
            await Task.Delay(100);
        }
    }
}
