using System.Globalization;
using LogAggregator.Configuration;
using LogAggregator.Storage;
using LogAggregator.Web.Json;
using LogAggregator.Web.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using LogAggregator.Web.Security;

namespace LogAggregator.Web.Controllers;

/// <summary>
/// <c>GET /api/logs/export</c>: the matches of the query <c>/api/logs</c> (or, with <c>q</c>, <c>/api/logs/search</c>)
/// would page through, newest first, as one NDJSON or CSV download, written page by page as the store reads them and
/// capped by <c>log-aggregator.http.export-max-entries</c>.
/// </summary>
[ApiController]
public sealed class ExportController(ILogQueryService queries, LogAggregatorSettings settings) : ControllerBase
{
    [RequiresScope(EndpointAccess.Read)]
    [HttpGet("/api/logs/export")]
    [BoundedSearch]
    [ProducesResponseType(typeof(string), StatusCodes.Status200OK, "application/x-ndjson", "text/csv")]
    public async Task Export(
        [FromQuery] string? format, [FromQuery] string? q, [FromQuery] string? agent, [FromQuery] string? level,
        [FromQuery(Name = "start_time")] string? startTime, [FromQuery(Name = "end_time")] string? endTime,
        [FromQuery] string? limit)
    {
        // Everything is checked before a byte is written: a refusal is still a 400 problem, not a broken download.
        if (!ExportFormats.TryParse(format, out var kind))
        {
            throw new BadRequestException("format", $"unknown format '{format}'; use ndjson or csv");
        }

        var filter = QueryParameters.Filter(agent, level, startTime, endTime);
        var pattern = string.IsNullOrEmpty(q) ? null : SearchPattern.Parse(q);
        var cap = settings.Http.ExportMaxEntries;
        var max = Math.Min(QueryParameters.Number("limit", limit, cap), cap);
        var aborted = HttpContext.RequestAborted;

        Response.ContentType = kind.MediaType();
        var name = $"logs-{DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.{kind.Extension()}";
        Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = name }.ToString();
        var output = Response.BodyWriter;
        var started = false;
        try
        {
            await foreach (var page in LogExport.PagesAsync(queries, pattern, filter, max, aborted))
            {
                // Nothing is written before the first page is read: a store that fails at once still gets its problem body.
                if (!started)
                {
                    ExportFormats.WriteHeader(kind, output);
                    started = true;
                }

                ExportFormats.WritePage(kind, page, output);
                await output.FlushAsync(aborted);
            }

            if (!started)
            {
                ExportFormats.WriteHeader(kind, output);
            }

            await output.FlushAsync(aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away: nothing left to say.
        }
    }
}
