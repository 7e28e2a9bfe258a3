using System.Text.Json;

namespace LogAggregator.Web.Tests;

/// <summary>What the web UI asks beyond the old contract: header totals and agent counts for a time range, histograms by bucket count.</summary>
public sealed class UiQueriesApiTests : IAsyncLifetime
{
    private static readonly DateTime T0 = new(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Stats_over_a_time_range_count_only_its_entries_by_level_and_agent()
    {
        await _host.PostOkAsync(new object[]
        {
            new { timestamp = T0.AddMinutes(-1), agent = "ATLAS", level = "ERROR", message = "before the range" },
            new { timestamp = T0, agent = "ATLAS", level = "ERROR", message = "a" },
            new { timestamp = T0.AddMinutes(5), agent = "Atlas", level = "CRITICAL", message = "b" },
            new { timestamp = T0.AddMinutes(10), agent = "HERMES", level = "INFO", message = "c" },
            new { timestamp = T0.AddMinutes(15), agent = "HERMES", level = "INFO", message = "d" },
            new { timestamp = T0.AddHours(1), agent = "CERBERUS", level = "INFO", message = "at the (exclusive) end" },
        });

        var ranged = await _host.GetJsonAsync("/api/stats?start_time=2024-03-01T12:00:00Z&end_time=2024-03-01T13:00:00Z");
        var from = await _host.GetJsonAsync("/api/stats?start_time=2024-03-01T12:10:00Z");
        var all = await _host.GetJsonAsync("/api/stats");

        Assert.Equal(4, ranged.GetProperty("total_logs").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["INFO"] = 2, ["ERROR"] = 1, ["CRITICAL"] = 1 }, Counts(ranged.GetProperty("by_level")));
        Assert.Equal(new Dictionary<string, long> { ["ATLAS"] = 1, ["Atlas"] = 1, ["HERMES"] = 2 }, Counts(ranged.GetProperty("by_agent")));
        Assert.Equal(3, from.GetProperty("total_logs").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["HERMES"] = 2, ["CERBERUS"] = 1 }, Counts(from.GetProperty("by_agent")));
        // The stored days are what they are whatever the range.
        Assert.Equal(all.GetProperty("log_files").GetRawText(), ranged.GetProperty("log_files").GetRawText());
        Assert.Equal(6, all.GetProperty("total_logs").GetInt64());
    }

    [Theory]
    [InlineData("/api/stats?start_time=soon", "start_time")]
    [InlineData("/api/stats?end_time=later", "end_time")]
    public async Task Stats_refuse_an_unreadable_time(string path, string field) => await _host.AssertBadRequestAsync(path, field);

    private static Dictionary<string, long> Counts(JsonElement element) =>
        element.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
}
