using System.Globalization;
using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Web.Json;
using LogAggregator.Web.Services;
using Microsoft.AspNetCore.Mvc;
using LogAggregator.Web.Security;

namespace LogAggregator.Web.Controllers;

[ApiController]
public sealed class LogsController(ILogQueryService queries, IIngestService ingest, EntryBodyReader bodies) : ControllerBase
{
    private const int MaxHighlights = 20;

    [RequiresScope(EndpointAccess.Read)]
    [HttpGet("/api/logs")]
    public async Task<LogsResponse> Get(
        [FromQuery] string? agent, [FromQuery] string? level,
        [FromQuery(Name = "start_time")] string? startTime, [FromQuery(Name = "end_time")] string? endTime,
        [FromQuery] string? limit, [FromQuery] string? offset)
    {
        var filter = QueryParameters.Filter(agent, level, startTime, endTime);
        var paging = QueryParameters.Paging(limit, offset);
        var page = await queries.QueryAsync(filter, paging, HttpContext.RequestAborted);
        return new LogsResponse(page.Entries, page.Entries.Count, paging.Limit, paging.Offset, page.Total);
    }

    [RequiresScope(EndpointAccess.Ingest)]
    [HttpPost("/api/logs")]
    [BoundedIngest]
    [RequestBody(typeof(EntryRequest), "One entry, a JSON array of entries, or NDJSON (one entry a line)",
        "application/json", "application/x-ndjson")]
    public async Task<IngestedResponse> Post()
    {
        var entries = await bodies.ReadAsync(Request, HttpContext.RequestAborted);
        await ingest.StoreAsync(entries, HttpContext.RequestAborted);
        return new IngestedResponse("ingested", DateTime.UtcNow, entries.Count);
    }

    [RequiresScope(EndpointAccess.Read)]
    [HttpGet("/api/logs/search")]
    [BoundedSearch]
    public async Task<SearchResponse> Search(
        [FromQuery] string? q, [FromQuery] string? agent, [FromQuery] string? level,
        [FromQuery(Name = "start_time")] string? startTime, [FromQuery(Name = "end_time")] string? endTime,
        [FromQuery] string? limit, [FromQuery] string? offset)
    {
        if (string.IsNullOrEmpty(q))
        {
            throw new BadRequestException("q", "q (the search text) is required");
        }

        var pattern = SearchPattern.Parse(q);
        var filter = QueryParameters.Filter(agent, level, startTime, endTime);
        var results = await queries.SearchAsync(pattern, filter, QueryParameters.Paging(limit, offset), HttpContext.RequestAborted);
        var hits = results.Select(entry => new SearchHit(entry, Highlights(pattern, entry.Entry))).ToList();
        return new SearchResponse(q, hits, hits.Count);
    }

    /// <remarks>
    /// A catch-all, so a name holding <c>/</c> reaches us whether sent as <c>/</c> or <c>%2F</c>. ASP.NET decodes every
    /// escape of the path but <c>%2F</c>, which would make <c>team%2Fa</c> and <c>team%252Fa</c> the same name; the
    /// name is therefore taken from the raw request target and unescaped exactly once (<see cref="AgentFromRawTarget"/>).
    /// </remarks>
    [RequiresScope(EndpointAccess.Read)]
    [HttpGet("/api/logs/agent/{**name}")]
    public async Task<AgentLogsResponse> ByAgent(
        string name, [FromQuery] string? level, [FromQuery] string? limit, [FromQuery] string? offset)
    {
        name = AgentFromRawTarget(HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget) ?? name;
        var (single, several) = QueryParameters.LevelList(level);
        var filter = new LogFilter(AgentKey: AgentKeys.Of(name), Level: single, Levels: several);
        var page = await queries.QueryAsync(filter, QueryParameters.Paging(limit, offset), HttpContext.RequestAborted);
        return new AgentLogsResponse(name, page.Entries, page.Entries.Count);
    }

    [RequiresScope(EndpointAccess.Read)]
    [HttpGet("/api/agents")]
    public async Task<AgentNamesResponse> Agents() => new(await queries.AgentsAsync(HttpContext.RequestAborted));

    /// <summary>
    /// Totals of what is stored; with <c>start_time</c> and/or <c>end_time</c>, <c>total_logs</c>, <c>by_level</c> and
    /// <c>by_agent</c> count only the entries of that range (the UI's header and agent list), <c>log_files</c> stays
    /// every stored day.
    /// </summary>
    [RequiresScope(EndpointAccess.Read)]
    [HttpGet("/api/stats")]
    public async Task<StatsResponse> Stats(
        [FromQuery(Name = "start_time")] string? startTime, [FromQuery(Name = "end_time")] string? endTime)
    {
        var filter = QueryParameters.Filter(null, null, startTime, endTime);
        var stats = await queries.StatsAsync(HttpContext.RequestAborted);
        var byLevel = stats.ByLevel.Where(kv => kv.Value > 0).ToDictionary(kv => kv.Key.Name(), kv => kv.Value);
        var byAgent = stats.ByAgent;
        var total = stats.TotalLogs;
        if (filter.From is not null || filter.To is not null)
        {
            var counts = await queries.CountAsync(filter, HttpContext.RequestAborted);
            total = counts.Sum(c => c.Count);
            byLevel = counts.GroupBy(c => c.Level).OrderBy(g => g.Key).ToDictionary(g => g.Key.Name(), g => g.Sum(c => c.Count));
            byAgent = counts.GroupBy(c => c.Agent, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(c => c.Count), StringComparer.Ordinal);
        }

        return new StatsResponse(
            total,
            byLevel,
            byAgent,
            // The API lists stored days as files: the shape and names clients know, one row per day.
            stats.Days.Select(d => new LogFileResponse(DayFileName(d.Day), d.SizeBytes, d.Count)).ToList());
    }

    private const string AgentRoute = "/api/logs/agent/";

    /// <summary>The agent named by a raw target such as <c>/api/logs/agent/team%2Fa?limit=5</c>; null when it has another shape.</summary>
    internal static string? AgentFromRawTarget(string? rawTarget)
    {
        if (rawTarget is null || !rawTarget.StartsWith(AgentRoute, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var end = rawTarget.IndexOfAny(['?', '#']);
        var escaped = rawTarget[AgentRoute.Length..(end < 0 ? rawTarget.Length : end)];
        return escaped.Length == 0 ? null : Uri.UnescapeDataString(escaped);
    }

    /// <summary>A day as `log_files` has always named it (the embedded store's file name), whichever store holds it.</summary>
    private static string DayFileName(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ".duckdb";

    /// <summary>Where the pattern matched, found with .NET's non-backtracking engine (linear time).</summary>
    private static List<Highlight> Highlights(SearchPattern pattern, LogEntry entry)
    {
        var highlights = new List<Highlight>();
        Collect("message", entry.Message);
        Collect("metadata", entry.Metadata);
        return highlights;

        void Collect(string field, string text)
        {
            foreach (var match in pattern.Highlighter.EnumerateMatches(text))
            {
                if (highlights.Count >= MaxHighlights)
                {
                    return;
                }

                if (match.Length > 0)
                {
                    highlights.Add(new Highlight(field, match.Index, match.Index + match.Length, text.Substring(match.Index, match.Length)));
                }
            }
        }
    }
}

/// <summary><c>GET /api/logs</c>: a page of entries, newest first, and how many match in all.</summary>
public sealed record LogsResponse(IReadOnlyList<StoredEntry> Logs, int Count, int Limit, int Offset, long Total);

/// <summary><c>POST /api/logs</c>, sent once every entry is committed.</summary>
public sealed record IngestedResponse(string Status, DateTime Timestamp, int Count);

/// <summary><c>GET /api/logs/search</c>: the page of matches, each with its <c>_highlights</c>.</summary>
public sealed record SearchResponse(string Query, IReadOnlyList<SearchHit> Results, int Count);

/// <summary><c>GET /api/logs/agent/{name}</c>.</summary>
public sealed record AgentLogsResponse(string Agent, IReadOnlyList<StoredEntry> Logs, int Count);

/// <summary><c>GET /api/agents</c>: names as sent, sorted ordinally.</summary>
public sealed record AgentNamesResponse(IReadOnlyList<string> Agents);

/// <summary><c>GET /api/stats</c>; <see cref="ByLevel"/> names only the levels present.</summary>
public sealed record StatsResponse(
    long TotalLogs, IReadOnlyDictionary<string, long> ByLevel, IReadOnlyDictionary<string, long> ByAgent, IReadOnlyList<LogFileResponse> LogFiles);

/// <summary>One stored day, named as the old service named its files.</summary>
public sealed record LogFileResponse(string Name, long SizeBytes, long Count);
