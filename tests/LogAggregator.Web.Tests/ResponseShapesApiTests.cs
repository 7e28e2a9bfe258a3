using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace LogAggregator.Web.Tests;

/// <summary>
/// The JSON of every response the contract fixes, down to the order of its fields, as a skeleton (strings "s",
/// numbers 0, arrays by their first element): the responses became typed records and clients of the old service
/// must not see a byte of difference in shape.
/// </summary>
public sealed class ResponseShapesApiTests : IAsyncLifetime
{
    private TestHost _host = null!;
    private string _id = "";

    public async Task InitializeAsync()
    {
        _host = await TestHost.StartAsync();
        var now = DateTime.UtcNow;
        await _host.PostOkAsync(new object[]
        {
            new { timestamp = now.AddMinutes(-2), agent = "ATLAS", level = "ERROR", message = "timeout after 5 ms", source = "/var/log/atlas.log" },
            new { timestamp = now.AddMinutes(-1), agent = "ATLAS", level = "INFO", message = "ok", source = "/var/log/atlas.log" },
        });
        _id = (await _host.GetJsonAsync("/api/logs?level=error")).GetProperty("logs")[0].GetProperty("id").GetString()!;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private const string Entry = """{"id":"s","timestamp":"s","level":"s","agent":"s","message":"s","source":"s","metadata":{}}""";

    [Fact]
    public async Task Entry_lists_keep_their_contract_fields_in_order()
    {
        Assert.Equal($$"""{"logs":[{{Entry}}],"count":0,"limit":0,"offset":0,"total":0}""", await SkeletonAsync("/api/logs"));
        Assert.Equal($$"""{"agent":"s","logs":[{{Entry}}],"count":0}""", await SkeletonAsync("/api/logs/agent/atlas"));
        Assert.Equal(
            """{"query":"s","results":[{"id":"s","timestamp":"s","level":"s","agent":"s","message":"s","source":"s","metadata":{},"_highlights":[{"field":"s","start":0,"end":0,"text":"s"}]}],"count":0}""",
            await SkeletonAsync("/api/logs/search?q=ok"));
        Assert.Equal($$"""{"before":[],"target":{{Entry}},"after":[{{Entry}}]}""", await SkeletonAsync($"/api/logs/context?id={_id}"));
    }

    [Fact]
    public async Task Aggregates_keep_their_contract_fields_in_order()
    {
        Assert.Equal("""{"agents":["s"]}""", await SkeletonAsync("/api/agents"));
        Assert.Equal(
            """{"total_logs":0,"by_level":{"INFO":0,"ERROR":0},"by_agent":{"ATLAS":0},"log_files":[{"name":"s","size_bytes":0,"count":0}]}""",
            await SkeletonAsync("/api/stats"));
        Assert.Equal(
            """{"interval":"s","buckets":[{"time":"s","count":0,"by_level":{"INFO":0,"ERROR":0}}]}""",
            await SkeletonAsync("/api/logs/histogram?interval=day"));
        Assert.Equal(
            """{"total_errors":0,"by_agent":{"ATLAS":0},"top_errors":[{"pattern":"s","count":0,"agents":["s"],"sample":"s"}],"time_range_hours":0}""",
            await SkeletonAsync("/api/errors/summary"));
    }

    [Fact]
    public async Task Ingestion_and_health_keep_their_contract_fields_in_order()
    {
        var posted = await _host.Client.PostAsJsonAsync("/api/logs", new { message = "one more" });
        Assert.Equal("""{"status":"s","timestamp":"s","count":0}""", Skeleton(JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement));

        var health = Skeleton(await _host.GetJsonAsync("/health"));
        Assert.Matches(
            "^" + System.Text.RegularExpressions.Regex.Escape(
                """{"status":"s","reason":null,"service":"s","timestamp":"s","aggregated_dir":"s","retention_days":0,"log_sources":["s"],"tailed_files":""")
            + "(0|null),\"ingestion\":(null|" + System.Text.RegularExpressions.Regex.Escape("""{"tailed_files":0,"starting":0,"skipped":[],"stuck":[]}""") + ")"
            + System.Text.RegularExpressions.Regex.Escape(
                ""","database_provider":"s","cluster":{"self":"s","leader":"s","members":[{"address":"s","status":"s","roles":[]}],"shards":[""")
            // A shard region busy handing over is left out.
            + "(" + System.Text.RegularExpressions.Regex.Escape("""{"region":"s","shards":0,"entities":0}""") + ")?"
            + System.Text.RegularExpressions.Regex.Escape("]}}")
            + "$",
            health);
    }

    private async Task<string> SkeletonAsync(string path) => Skeleton(await _host.GetJsonAsync(path));

    private static string Skeleton(JsonElement element)
    {
        var text = new StringBuilder();
        Write(element);
        return text.ToString();

        void Write(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    text.Append('{');
                    var first = true;
                    foreach (var property in e.EnumerateObject())
                    {
                        text.Append(first ? "" : ",").Append('"').Append(property.Name).Append("\":");
                        first = false;
                        // Metadata is the agent's own JSON; its shape is not the API's.
                        if (property.Name == "metadata")
                        {
                            text.Append("{}");
                            continue;
                        }

                        Write(property.Value);
                    }

                    text.Append('}');
                    break;
                case JsonValueKind.Array:
                    text.Append('[');
                    if (e.GetArrayLength() > 0)
                    {
                        Write(e[0]);
                    }

                    text.Append(']');
                    break;
                case JsonValueKind.String:
                    text.Append("\"s\"");
                    break;
                case JsonValueKind.Number:
                    text.Append('0');
                    break;
                case JsonValueKind.Null:
                    text.Append("null");
                    break;
                default:
                    text.Append(e.ValueKind == JsonValueKind.True ? "true" : "false");
                    break;
            }
        }
    }
}
