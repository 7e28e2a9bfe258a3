using System.Net;
using System.Text.Json;
using LogAggregator.Ingestion;

namespace LogAggregator.Web.Tests;

/// <summary>No stored value breaks a query, and what is accepted comes back exactly.</summary>
public sealed class ExtremeValuesApiTests : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Entries_dated_year_one_and_year_9999_are_stored_and_every_query_endpoint_answers()
    {
        var now = DateTime.UtcNow;
        await _host.PostOkAsync(new object[]
        {
            new { timestamp = "0001-01-01T00:00:00Z", level = "error", agent = "EDGE", message = "first" },
            new { timestamp = "9999-12-31T23:59:59.9999999Z", level = "error", agent = "EDGE", message = "last" },
            new { timestamp = now.ToString("O"), level = "error", agent = "EDGE", message = "now" },
        });
        string[] all = ["last", "now", "first"];

        Assert.Equal(all, Messages((await _host.GetJsonAsync("/api/logs?agent=edge")).GetProperty("logs")));
        Assert.Equal(all, Messages((await _host.GetJsonAsync("/api/logs?level=error")).GetProperty("logs")));
        Assert.Equal(all, Messages((await _host.GetJsonAsync("/api/logs/agent/EDGE")).GetProperty("logs")));
        Assert.Equal(["first"], Messages((await _host.GetJsonAsync("/api/logs?agent=edge&limit=1&offset=2")).GetProperty("logs")));
        Assert.Empty(Messages((await _host.GetJsonAsync("/api/logs?agent=edge&offset=2147483647")).GetProperty("logs")));
        Assert.Equal(all, Messages((await _host.GetJsonAsync(
            "/api/logs?start_time=0001-01-01T00:00:00Z&end_time=9999-12-31T23:59:59.9999999Z")).GetProperty("logs")));
        Assert.Equal(all, Messages((await _host.GetJsonAsync("/api/logs/search?q=first%7Clast%7Cnow")).GetProperty("results")));
        foreach (var interval in new[] { "minute", "hour", "day" })
        {
            var buckets = (await _host.GetJsonAsync($"/api/logs/histogram?interval={interval}")).GetProperty("buckets");
            Assert.Equal(1, buckets.GetArrayLength());
            Assert.StartsWith("9999-12-31", buckets[0].GetProperty("time").GetString());
        }

        var aroundNow = (await _host.GetJsonAsync(
            $"/api/logs/histogram?interval=minute&start_time={now.AddMinutes(-5):O}&end_time={now.AddMinutes(5):O}")).GetProperty("buckets");
        Assert.Equal(1, aroundNow.GetArrayLength());
        Assert.Equal(1, (await _host.GetJsonAsync("/api/errors/summary?hours=24")).GetProperty("total_errors").GetInt64());
        var firstId = (await _host.GetJsonAsync("/api/logs?agent=edge&limit=1&offset=2")).GetProperty("logs")[0].GetProperty("id").GetString();
        var context = await _host.GetJsonAsync($"/api/logs/context?id={firstId}");
        Assert.Equal(["now", "last"], Messages(context.GetProperty("after")));
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("9999-12-31T23:59:59-01:00")]
    [InlineData("10000-01-01T00:00:00Z")]
    public async Task A_timestamp_outside_the_calendar_once_in_utc_is_refused_naming_timestamp(string timestamp)
    {
        var response = await _host.PostAsync(JsonSerializer.Serialize(new { timestamp, message = "out of range" }));
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("timestamp", problem.GetProperty("field").GetString());
        Assert.Equal(0, (await _host.GetJsonAsync("/api/logs")).GetProperty("total").GetInt64());
    }

    /// <summary>NUL, a character of each of the 17 planes, RTL marks.</summary>
    private static readonly string Awkward = "a\u0000b " + string.Concat(Enumerable.Range(0, 17).Select(p => char.ConvertFromUtf32(p == 0 ? 0x00E9 : p * 0x10000 + 0x41)))
        + " \u200Fx\u202Ey";

    [Fact]
    public async Task Posted_text_round_trips_exactly_in_message_metadata_and_agent()
    {
        var agent = "Agent" + Awkward;
        var big = WholeOf(EntryLimits.MaxMessageLength);
        // Metadata is kept as JSON text, where a character may take 6 (an escape): an eighth of the limit stays under it.
        var bigValue = WholeOf(EntryLimits.MaxMetadataLength / 8);
        await PostRawAsync(new { agent, message = Awkward, metadata = new Dictionary<string, string> { [Awkward] = Awkward } });
        await PostRawAsync(new { agent = "BIG", message = big });
        await PostRawAsync(new { agent = "BIG", message = "small", metadata = new { big = bigValue } });

        var listed = (await _host.GetJsonAsync("/api/logs?agent=" + Uri.EscapeDataString(agent))).GetProperty("logs");
        // Kestrel refuses a NUL anywhere in a path (%00) before routing, so the route is shown with the rest of the text.
        var routed = "Route" + Awkward.Replace("\u0000", "", StringComparison.Ordinal);
        await PostRawAsync(new { agent = routed, message = Awkward, metadata = new Dictionary<string, string> { [Awkward] = Awkward } });
        var byRoute = (await _host.GetJsonAsync("/api/logs/agent/" + Uri.EscapeDataString(routed))).GetProperty("logs");
        var found = (await _host.GetJsonAsync("/api/logs/search?q=" + Uri.EscapeDataString("a\u0000b"))).GetProperty("results");
        var large = (await _host.GetJsonAsync("/api/logs?agent=big")).GetProperty("logs");

        Assert.Equal(agent, listed[0].GetProperty("agent").GetString());
        Assert.Equal(routed, byRoute[0].GetProperty("agent").GetString());
        foreach (var entry in new[] { listed[0], byRoute[0] })
        {
            Assert.Equal(Awkward, entry.GetProperty("message").GetString());
            Assert.Equal(Awkward, entry.GetProperty("metadata").GetProperty(Awkward).GetString());
        }

        Assert.Contains(Awkward, Messages(found));
        Assert.Equal(big, large[1].GetProperty("message").GetString());
        Assert.Equal(bigValue, large[0].GetProperty("metadata").GetProperty("big").GetString());
    }

    /// <summary>Awkward text just under <paramref name="length"/> UTF-16 units, never ending in half a pair.</summary>
    private static string WholeOf(int length)
    {
        var text = string.Concat(Enumerable.Repeat(Awkward, length / Awkward.Length + 1))[..length];
        return char.IsHighSurrogate(text[^1]) ? text[..^1] : text;
    }

    [Fact]
    public async Task A_lone_surrogate_escape_is_stored_as_the_replacement_character()
    {
        var response = await _host.PostAsync("""{"agent":"LONE","message":"x\ud800y","metadata":{"k":"\udc00"}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entry = (await _host.GetJsonAsync("/api/logs?agent=lone")).GetProperty("logs")[0];
        Assert.Equal("x\uFFFDy", entry.GetProperty("message").GetString());
        Assert.Equal("\uFFFD", entry.GetProperty("metadata").GetProperty("k").GetString());
    }

    /// <summary>Characters outside ASCII as UTF-8, not as \u escapes, so a 1 MiB string fits the body limit.</summary>
    private async Task PostRawAsync(object entry)
    {
        var json = JsonSerializer.Serialize(entry, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var response = await _host.PostAsync(json);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static IEnumerable<string?> Messages(JsonElement entries) => entries.EnumerateArray().Select(e => e.GetProperty("message").GetString()).ToList();
}
