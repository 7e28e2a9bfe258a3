using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Tests.Shared;

namespace LogAggregator.Web.Tests;

/// <summary>
/// <c>GET /api/logs/export</c>: the query's matches as NDJSON or CSV, streamed page by page, newest first, capped by
/// <c>log-aggregator.http.export-max-entries</c> (1,500 here, so a capped export spans two store pages).
/// </summary>
public sealed class ExportApiTests : IAsyncLifetime
{
    private const int Cap = 1500;
    private static readonly DateTime T0 = new(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private string _configFile = null!;
    private GatedStore _store = null!;
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _configFile = Path.Combine(Path.GetTempPath(), "logagg-export-" + Guid.NewGuid().ToString("N")[..12] + ".conf");
        await File.WriteAllTextAsync(_configFile, $"log-aggregator.http.export-max-entries = {Cap}\n");
        _host = await TestHost.StartAsync(
            new Dictionary<string, string?> { ["LOG_AGGREGATOR_CONFIG"] = _configFile }, inner => _store = new GatedStore(inner));
    }

    public async Task DisposeAsync()
    {
        _store.Open();
        await _host.DisposeAsync();
        File.Delete(_configFile);
    }

    [Fact]
    public async Task Ndjson_export_holds_exactly_the_filtered_search_newest_first()
    {
        await _host.PostOkAsync(new object[]
        {
            new { timestamp = T0, agent = "Atlas", level = "ERROR", message = "timeout after 5 ms", metadata = new { attempt = 1 } },
            new { timestamp = T0.AddSeconds(1), agent = "ATLAS", level = "ERROR", message = "timeout after 7 ms", source = "/var/log/atlas.log" },
            new { timestamp = T0.AddSeconds(2), agent = "ATLAS", level = "INFO", message = "timeout after 9 ms (info)" },
            new { timestamp = T0.AddSeconds(3), agent = "HERMES", level = "ERROR", message = "timeout after 11 ms (other agent)" },
            new { timestamp = T0.AddSeconds(4), agent = "ATLAS", level = "ERROR", message = "disk full (no match)" },
            new { timestamp = T0.AddHours(2), agent = "ATLAS", level = "ERROR", message = "timeout after 13 ms (after the range)" },
        });
        const string query = "agent=atlas&level=error&start_time=2024-03-01T12:00:00Z&end_time=2024-03-01T13:00:00Z&q=TIMEOUT%5Cs%2Bafter";

        var response = await _host.Client.GetAsync($"/api/logs/export?format=ndjson&{query}");
        var body = await response.Content.ReadAsStringAsync();
        var search = await _host.GetJsonAsync($"/api/logs/search?{query}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Matches(@"^logs-\d{8}T\d{6}Z\.ndjson$", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var lines = body.Split('\n');
        Assert.Equal("", lines[^1]); // every line ends with a newline
        var entries = lines[..^1].Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["timeout after 7 ms", "timeout after 5 ms"], entries.Select(e => e.GetProperty("message").GetString()));
        var expected = search.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(expected.Count, entries.Count);
        foreach (var (exported, found) in entries.Zip(expected))
        {
            foreach (var field in new[] { "id", "timestamp", "level", "agent", "message", "source" })
            {
                Assert.Equal(found.GetProperty(field).GetString(), exported.GetProperty(field).GetString());
            }

            Assert.Equal(found.GetProperty("metadata").GetRawText(), exported.GetProperty("metadata").GetRawText());
            Assert.False(exported.TryGetProperty("_highlights", out _));
        }
    }

    [Fact]
    public async Task Csv_export_has_a_header_row_and_keeps_commas_quotes_line_breaks_and_NUL_inside_quoted_cells()
    {
        const string awkward = "a,b \"quoted\"\r\nsecond line\nthird\0after NUL";
        await _host.PostOkAsync(new object[]
        {
            new { timestamp = T0, agent = "ATLAS", message = awkward, metadata = new { note = "x,\"y\"" } },
            new { timestamp = T0.AddSeconds(1), agent = "ATLAS", message = "plain" },
        });

        var response = await _host.Client.GetAsync("/api/logs/export?format=csv");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Matches(@"^logs-\d{8}T\d{6}Z\.csv$", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.EndsWith("\r\n", body);
        var rows = Csv.Parse(body);
        Assert.Equal(["id", "timestamp", "level", "agent", "message", "source", "metadata"], rows[0]);
        Assert.Equal(3, rows.Count);
        Assert.Equal("plain", rows[1][4]);
        Assert.Equal(awkward, rows[2][4]);
        Assert.Equal(["2024-03-01T12:00:00Z", "INFO", "ATLAS"], rows[2][1..4]);
        Assert.Equal("x,\"y\"", JsonDocument.Parse(rows[2][6]).RootElement.GetProperty("note").GetString());
        Assert.All(rows, row => Assert.Equal(7, row.Length));
    }

    [Fact]
    public async Task Csv_cells_a_spreadsheet_would_run_as_formulas_are_prefixed_with_a_quote()
    {
        string[] formulas = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\t=hidden", "\r=hidden"];
        await _host.PostOkAsync(formulas.Select((m, i) => (object)new { timestamp = T0.AddSeconds(-i), agent = "ATLAS", message = m, source = "=src" }));

        var rows = Csv.Parse(await _host.Client.GetStringAsync("/api/logs/export?format=csv"));

        Assert.Equal(formulas.Select(f => "'" + f), rows.Skip(1).Select(r => r[4]));
        Assert.All(rows.Skip(1), r => Assert.Equal("'=src", r[5]));
        Assert.Equal("ATLAS", rows[1][3]); // a cell that is no formula is left alone
    }

    [Theory]
    [InlineData("format=ndjson")]
    [InlineData("format=csv&q=entry")]
    public async Task Export_stops_at_the_configured_cap_without_gaps_or_repeats_across_pages(string query)
    {
        // Three timestamps shared by 700 entries each, so a page ends inside a run of equal timestamps.
        await PostManyAsync(2100, i => T0.AddSeconds(i / 700));
        var newest = new List<string>();
        foreach (var offset in new[] { 0, 1000 })
        {
            var page = await _host.GetJsonAsync($"/api/logs?limit=1000&offset={offset}");
            newest.AddRange(page.GetProperty("logs").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));
        }

        var exported = Ids(await _host.Client.GetStringAsync($"/api/logs/export?{query}"), query.Contains("csv"));
        var limited = Ids(await _host.Client.GetStringAsync($"/api/logs/export?{query}&limit=1200"), query.Contains("csv"));
        var beyond = await _host.Client.GetAsync($"/api/logs/export?{query}&limit=5000");

        Assert.Equal(newest.Take(Cap), exported);
        Assert.Equal(newest.Take(1200), limited);
        Assert.Equal(HttpStatusCode.OK, beyond.StatusCode);
        Assert.Equal(Cap, Ids(await beyond.Content.ReadAsStringAsync(), query.Contains("csv")).Count);
    }

    [Fact]
    public async Task Export_sends_the_first_page_before_the_store_has_read_the_next()
    {
        await PostManyAsync(1200, i => T0.AddMilliseconds(i));
        _store.Close();

        using var response = await _host.Client.GetAsync("/api/logs/export?format=ndjson", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = new List<string>();
        for (var i = 0; i < 1000; i++)
        {
            first.Add((await reader.ReadLineAsync().WaitAsync(Patience))!);
        }

        // The next page's read has begun and waits at the gate: the first page came out before it.
        await _store.Waiting.Task.WaitAsync(Patience);
        _store.Open();
        var rest = await reader.ReadToEndAsync().WaitAsync(Patience);

        Assert.Equal(1200, first.Count + rest.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("entry 1199", JsonDocument.Parse(first[0]).RootElement.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("/api/logs/export?format=xml", "format")]
    [InlineData("/api/logs/export?format=ndjson&level=LOUD", "level")]
    [InlineData("/api/logs/export?format=csv&start_time=soon", "start_time")]
    [InlineData("/api/logs/export?format=csv&end_time=later", "end_time")]
    [InlineData("/api/logs/export?format=csv&limit=-1", "limit")]
    [InlineData("/api/logs/export?format=csv&limit=many", "limit")]
    public async Task Bad_export_parameters_get_a_problem_naming_the_field(string path, string field) =>
        await _host.AssertBadRequestAsync(path, field);

    [Fact]
    public async Task Format_defaults_to_ndjson()
    {
        await _host.PostOkAsync(new { message = "only" });

        var response = await _host.Client.GetAsync("/api/logs/export");

        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("only", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString());
    }

    private async Task PostManyAsync(int count, Func<int, DateTime> time)
    {
        var response = await _host.Client.PostAsJsonAsync("/api/logs",
            Enumerable.Range(0, count).Select(i => new { timestamp = time(i), agent = "ATLAS", message = $"entry {i}" }));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static List<string> Ids(string body, bool csv) => csv
        ? Csv.Parse(body).Skip(1).Select(r => r[0]).ToList()
        : body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()!).ToList();

    /// <summary>
    /// The real store, except that while closed a read of any page after the first (one bounded by a time the export
    /// took from the page before) waits until the gate opens.
    /// </summary>
    private sealed class GatedStore(ILogStore inner) : ForwardingLogStore(inner, ownsInner: true)
    {
        private volatile TaskCompletionSource _gate = Opened();

        public TaskCompletionSource Waiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Close() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _gate.TrySetResult();

        public override async Task<LogPage> QueryAsync(LogFilter filter, Paging paging, CancellationToken cancellationToken = default)
        {
            if (filter.To is not null)
            {
                Waiting.TrySetResult();
                await _gate.Task.WaitAsync(cancellationToken);
            }

            return await Inner.QueryAsync(filter, paging, cancellationToken);
        }

        private static TaskCompletionSource Opened()
        {
            var open = new TaskCompletionSource();
            open.SetResult();
            return open;
        }
    }

    /// <summary>RFC 4180: cells split by commas, rows by CRLF, a quoted cell may hold anything with quotes doubled.</summary>
    private static class Csv
    {
        public static List<string[]> Parse(string text)
        {
            var rows = new List<string[]>();
            var row = new List<string>();
            var cell = new StringBuilder();
            var i = 0;
            while (i < text.Length)
            {
                if (text[i] == '"' && cell.Length == 0)
                {
                    i++;
                    while (true)
                    {
                        if (text[i] == '"' && i + 1 < text.Length && text[i + 1] == '"')
                        {
                            cell.Append('"');
                            i += 2;
                        }
                        else if (text[i] == '"')
                        {
                            i++;
                            break;
                        }
                        else
                        {
                            cell.Append(text[i++]);
                        }
                    }
                }
                else if (text[i] == ',')
                {
                    row.Add(cell.ToString());
                    cell.Clear();
                    i++;
                }
                else if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    row.Add(cell.ToString());
                    cell.Clear();
                    rows.Add(row.ToArray());
                    row.Clear();
                    i += 2;
                }
                else
                {
                    Assert.NotEqual('"', text[i]); // a quote only ever opens or closes a quoted cell
                    Assert.NotEqual('\n', text[i]); // a bare line break only inside quotes
                    cell.Append(text[i++]);
                }
            }

            Assert.True(row.Count == 0 && cell.Length == 0, "the last row ends with CRLF");
            return rows;
        }
    }
}
