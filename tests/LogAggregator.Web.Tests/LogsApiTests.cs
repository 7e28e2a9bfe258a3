using System.Net;
using System.Text.Json;
using LogAggregator.Web.Controllers;

namespace LogAggregator.Web.Tests;

/// <summary>The seed API over HTTP: shapes, filters, paging and ingestion formats of POST /api/logs.</summary>
public sealed class LogsApiTests : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Posted_single_entry_comes_back_in_the_contract_shape()
    {
        var response = await _host.PostAsync("""
            {"timestamp":"2024-01-15T10:30:00Z","level":"warn","agent":"Cerberus","message":"disk at 91%","metadata":{"disk":"/dev/sda1"},"trace_id":"t-1"}
            """);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ingested", body.GetProperty("status").GetString());
        Assert.Equal(1, body.GetProperty("count").GetInt32());
        Assert.True(body.TryGetProperty("timestamp", out _));

        var logs = await _host.GetJsonAsync("/api/logs");
        var entry = logs.GetProperty("logs")[0];
        Assert.False(string.IsNullOrEmpty(entry.GetProperty("id").GetString()));
        Assert.Equal("2024-01-15T10:30:00Z", entry.GetProperty("timestamp").GetString());
        Assert.Equal("WARNING", entry.GetProperty("level").GetString());
        Assert.Equal("Cerberus", entry.GetProperty("agent").GetString());
        Assert.Equal("disk at 91%", entry.GetProperty("message").GetString());
        Assert.Equal("api", entry.GetProperty("source").GetString());
        Assert.Equal("/dev/sda1", entry.GetProperty("metadata").GetProperty("disk").GetString());
        Assert.Equal("t-1", entry.GetProperty("metadata").GetProperty("trace_id").GetString());
        Assert.Equal(1, logs.GetProperty("count").GetInt32());
        Assert.Equal(1, logs.GetProperty("total").GetInt64());
        Assert.Equal(100, logs.GetProperty("limit").GetInt32());
        Assert.Equal(0, logs.GetProperty("offset").GetInt32());
    }

    [Fact]
    public async Task Array_and_ndjson_bodies_store_every_entry()
    {
        var array = await _host.PostAsync("""[{"message":"a1","agent":"ATLAS"},{"message":"a2","agent":"HERMES"}]""");
        var ndjson = await _host.PostAsync("{\"message\":\"n1\"}\n{\"message\":\"n2\",\"level\":\"ERROR\"}\n\n{\"message\":\"n3\"}\n",
            "application/x-ndjson");

        Assert.Equal(2, JsonDocument.Parse(await array.Content.ReadAsStringAsync()).RootElement.GetProperty("count").GetInt32());
        Assert.Equal(3, JsonDocument.Parse(await ndjson.Content.ReadAsStringAsync()).RootElement.GetProperty("count").GetInt32());
        var all = await _host.GetJsonAsync("/api/logs");
        Assert.Equal(5, all.GetProperty("total").GetInt64());
        var messages = all.GetProperty("logs").EnumerateArray().Select(e => e.GetProperty("message").GetString()).ToHashSet();
        Assert.Equal(new HashSet<string?> { "a1", "a2", "n1", "n2", "n3" }, messages);
        var unknown = all.GetProperty("logs").EnumerateArray().First(e => e.GetProperty("message").GetString() == "n1");
        Assert.Equal("unknown", unknown.GetProperty("agent").GetString());
    }

    [Theory]
    [InlineData("""{"level":"INFO"}""", "message")]
    [InlineData("""{"message":"x","level":"LOUD"}""", "level")]
    [InlineData("""{"message":"x","timestamp":"yesterday"}""", "timestamp")]
    [InlineData("""{"message":"x","metadata":[1]}""", "metadata")]
    [InlineData("""{"message":"x" """, "body")]
    [InlineData("""[{"message":"ok"},{"nomessage":1}]""", "message")]
    [InlineData("{\"message\":\"ok\"}\n{\"message\":\"ok\",\"level\":\"nope\"}\n", "level")]
    [InlineData("42", "body")]
    [InlineData("", "body")]
    public async Task Bad_bodies_get_a_problem_naming_the_field_and_store_nothing(string body, string field)
    {
        var response = await _host.PostAsync(body);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Equal(0, (await _host.GetJsonAsync("/api/logs")).GetProperty("total").GetInt64());
    }

    [Theory]
    [InlineData("/api/logs?level=LOUD", "level")]
    [InlineData("/api/logs?limit=-1", "limit")]
    [InlineData("/api/logs?offset=-5", "offset")]
    [InlineData("/api/logs?limit=ten", "limit")]
    [InlineData("/api/logs?start_time=notatime", "start_time")]
    [InlineData("/api/logs?end_time=2024-13-45", "end_time")]
    [InlineData("/api/logs/search", "q")]
    [InlineData("/api/logs/search?q=x&level=nope", "level")]
    [InlineData("/api/logs/agent/ATLAS?limit=-2", "limit")]
    public async Task Bad_query_parameters_get_a_problem_naming_the_field(string url, string field)
    {
        await _host.AssertBadRequestAsync(url, field);
    }

    [Fact]
    public async Task Filters_combine_and_pages_come_newest_first()
    {
        var lines = new List<string>();
        var start = new DateTime(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < 30; i++)
        {
            var agent = i % 3 == 0 ? "Atlas" : "HERMES";
            var level = i % 2 == 0 ? "ERROR" : "INFO";
            lines.Add(JsonSerializer.Serialize(new { timestamp = start.AddMinutes(i), agent, level, message = $"m{i}" }));
        }

        Assert.True((await _host.PostAsync(string.Join("\n", lines))).IsSuccessStatusCode);

        // agent is case-insensitive and exact; level filters exactly.
        var atlasErrors = await _host.GetJsonAsync("/api/logs?agent=atlas&level=error");
        var expected = Enumerable.Range(0, 30).Where(i => i % 3 == 0 && i % 2 == 0).Reverse().Select(i => (string?)$"m{i}").ToList();
        Assert.Equal(expected, Messages(atlasErrors));
        Assert.Equal(expected.Count, atlasErrors.GetProperty("total").GetInt64());
        Assert.Empty(Messages(await _host.GetJsonAsync("/api/logs?agent=atl")));

        // start_time is inclusive, end_time exclusive.
        var range = await _host.GetJsonAsync("/api/logs?start_time=2024-03-01T12:05:00Z&end_time=2024-03-01T12:08:00");
        Assert.Equal(["m7", "m6", "m5"], Messages(range));

        // Pages never overlap and together give everything, newest first.
        var pages = new List<string?>();
        for (var offset = 0; offset < 30; offset += 7)
        {
            var page = await _host.GetJsonAsync($"/api/logs?limit=7&offset={offset}");
            Assert.Equal(30, page.GetProperty("total").GetInt64());
            Assert.Equal(7, page.GetProperty("limit").GetInt32());
            pages.AddRange(Messages(page));
        }

        Assert.Equal(Enumerable.Range(0, 30).Reverse().Select(i => $"m{i}"), pages);
    }

    [Fact]
    public async Task Limit_is_capped_at_one_thousand()
    {
        var body = string.Join("\n", Enumerable.Range(0, 1005).Select(i => $"{{\"message\":\"bulk {i}\"}}"));
        Assert.True((await _host.PostAsync(body)).IsSuccessStatusCode);

        var page = await _host.GetJsonAsync("/api/logs?limit=5000");

        Assert.Equal(1000, page.GetProperty("limit").GetInt32());
        Assert.Equal(1000, page.GetProperty("count").GetInt32());
        Assert.Equal(1005, page.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Agent_endpoint_agents_list_and_stats_describe_what_is_stored()
    {
        await _host.PostOkAsync(new { agent = "HERMES", level = "ERROR", message = "boom" });
        await _host.PostOkAsync(new { agent = "HERMES", level = "INFO", message = "ok" });
        await _host.PostOkAsync(new { agent = "ATLAS", level = "INFO", message = "hi" });

        var hermes = await _host.GetJsonAsync("/api/logs/agent/hermes?level=error");
        Assert.Equal("hermes", hermes.GetProperty("agent").GetString());
        Assert.Equal(["boom"], Messages(hermes));
        Assert.Equal(1, hermes.GetProperty("count").GetInt32());

        var agents = await _host.GetJsonAsync("/api/agents");
        Assert.Equal(["ATLAS", "HERMES"], agents.GetProperty("agents").EnumerateArray().Select(a => a.GetString()));

        var stats = await _host.GetJsonAsync("/api/stats");
        Assert.Equal(3, stats.GetProperty("total_logs").GetInt64());
        Assert.Equal(1, stats.GetProperty("by_level").GetProperty("ERROR").GetInt64());
        Assert.Equal(2, stats.GetProperty("by_level").GetProperty("INFO").GetInt64());
        Assert.Equal(2, stats.GetProperty("by_agent").GetProperty("HERMES").GetInt64());
        var file = Assert.Single(stats.GetProperty("log_files").EnumerateArray());
        Assert.Equal(3, file.GetProperty("count").GetInt64());
        Assert.True(file.GetProperty("size_bytes").GetInt64() > 0);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}\.duckdb$", file.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Search_matches_regex_case_insensitively_with_highlights()
    {
        await _host.PostOkAsync(new { agent = "CERBERUS", message = "login for User42@example.com failed" });
        await _host.PostOkAsync(new { agent = "CERBERUS", message = "nothing to see", metadata = new { email = "bob7@example.com" } });
        await _host.PostOkAsync(new { agent = "ATLAS", message = "user@example.org" });

        var found = await _host.GetJsonAsync("/api/logs/search?q=" + Uri.EscapeDataString(@"user\d+@example\.com"));
        Assert.Equal(@"user\d+@example\.com", found.GetProperty("query").GetString());
        var hit = Assert.Single(found.GetProperty("results").EnumerateArray());
        Assert.Equal(1, found.GetProperty("count").GetInt32());
        var highlight = hit.GetProperty("_highlights")[0];
        Assert.Equal("User42@example.com", highlight.GetProperty("text").GetString());
        Assert.Equal("message", highlight.GetProperty("field").GetString());

        var metadataHit = await _host.GetJsonAsync("/api/logs/search?q=bob7");
        Assert.Equal("nothing to see", Assert.Single(metadataHit.GetProperty("results").EnumerateArray()).GetProperty("message").GetString());

        var filtered = await _host.GetJsonAsync("/api/logs/search?q=example&agent=atlas");
        Assert.Equal("user@example.org", Assert.Single(filtered.GetProperty("results").EnumerateArray()).GetProperty("message").GetString());
    }

    [Fact]
    public async Task Invalid_regex_is_matched_literally()
    {
        await _host.PostOkAsync(new { message = "value was (unclosed [bracket" });
        await _host.PostOkAsync(new { message = "unclosed elsewhere" });

        var found = await _host.GetJsonAsync("/api/logs/search?q=" + Uri.EscapeDataString("(unclosed [b"));

        Assert.Equal("value was (unclosed [bracket", Assert.Single(found.GetProperty("results").EnumerateArray()).GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_streamed_body_without_a_length_is_read_whole_however_large()
    {
        // ~3 MB sent chunked: the server cannot size its buffer up front, so it grows it from 64 KB through the
        // pooled sizes past the largest pooled one; every line must come through once, the last one too.
        const int lines = 40_000;
        var body = new System.Text.StringBuilder();
        for (var i = 0; i < lines; i++)
        {
            body.Append("{\"agent\":\"STREAMED\",\"message\":\"line ").Append(i).Append(' ').Append('y', 60).Append("\"}\n");
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(body.ToString());
        Assert.True(bytes.Length > 3 * RequestBodyBuffer.MaxPooled);
        using var content = new StreamContent(new MemoryStream(bytes));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-ndjson");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/logs") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await _host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stored = await _host.GetJsonAsync("/api/logs?agent=STREAMED&limit=1");
        Assert.Equal(lines, stored.GetProperty("total").GetInt64());
        Assert.StartsWith($"line {lines - 1} ", stored.GetProperty("logs")[0].GetProperty("message").GetString());
    }

    [Fact]
    public async Task Bodies_over_the_limit_get_413()
    {
        var body = "{\"message\":\"" + new string('x', 11 * 1024 * 1024) + "\"}";

        // As curl does for large bodies: ask first, so the server can refuse before the body is sent.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/logs")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;

        var response = await _host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, (await _host.GetJsonAsync("/api/logs")).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Health_reports_the_service_and_its_settings()
    {
        var health = await _host.GetJsonAsync("/health");

        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal("log-aggregator", health.GetProperty("service").GetString());
        Assert.Equal(_host.DataDir, health.GetProperty("aggregated_dir").GetString());
        Assert.Equal(7, health.GetProperty("retention_days").GetInt32());
        Assert.Equal("Up", health.GetProperty("cluster").GetProperty("members")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Root_serves_a_page()
    {
        var response = await _host.Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Search_pages_never_overlap_and_together_are_the_whole_result()
    {
        var start = new DateTime(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc);
        var lines = Enumerable.Range(0, 40).Select(i => JsonSerializer.Serialize(new
        {
            timestamp = start.AddSeconds(i), agent = "ATLAS", message = i % 4 == 0 ? $"payment {i} failed" : $"payment {i} ok",
        }));
        Assert.True((await _host.PostAsync(string.Join("\n", lines))).IsSuccessStatusCode);

        var pages = new List<string?>();
        for (var offset = 0; offset < 12; offset += 3)
        {
            var page = await _host.GetJsonAsync($"/api/logs/search?q=FAILED&limit=3&offset={offset}");
            pages.AddRange(Messages(page));
        }

        Assert.Equal(Enumerable.Range(0, 40).Where(i => i % 4 == 0).Reverse().Select(i => (string?)$"payment {i} failed"), pages);
    }

    [Fact]
    public async Task A_catastrophic_pattern_on_a_long_line_is_answered_with_the_right_matches()
    {
        // A backtracking engine needs about 2^50000 steps for the long line; a linear one answers at once. The client
        // gives up after 60 s (TestHost), so this fails by timeout when matching backtracks; how fast it answers is the
        // query benchmark's business.
        await _host.PostOkAsync(new { message = new string('a', 50_000) + "!" });
        await _host.PostOkAsync(new { message = "b" + new string('a', 50_000) });

        var found = await _host.GetJsonAsync("/api/logs/search?q=" + Uri.EscapeDataString("(a+)+$"));

        Assert.Equal(1, found.GetProperty("count").GetInt32());
        Assert.StartsWith("baaa", Messages(found).Single());
    }

    private static List<string?> Messages(JsonElement page) =>
        page.GetProperty(page.TryGetProperty("logs", out _) ? "logs" : "results")
            .EnumerateArray().Select(e => e.GetProperty("message").GetString()).ToList();
}
