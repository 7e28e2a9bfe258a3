using System.Globalization;
using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Web.Services;
using Microsoft.AspNetCore.Mvc;

namespace LogAggregator.Web.Controllers;

/// <summary>Context around an entry, histograms and the error summary: questions about many entries at once.</summary>
[ApiController]
public sealed class AnalyticsController(ILogQueryService queries) : ControllerBase
{
    public const int DefaultContext = 5;
    public const int MaxContext = 100;
    public const double DefaultHours = 24;
    public const double MaxHours = 24 * 366;
    public const int TopPatterns = 10;

    [HttpGet("/api/logs/context")]
    public async Task<IActionResult> Context([FromQuery] string? id, [FromQuery] string? before, [FromQuery] string? after)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new BadRequestException("id", "id (the entry to show the context of) is required");
        }

        var context = await queries.ContextAsync(
            id.Trim(), ContextSize("before", before), ContextSize("after", after), HttpContext.RequestAborted);
        if (context is null)
        {
            return Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"no entry has id '{id}'");
        }

        return Ok(new { before = context.Before, target = context.Target, after = context.After });
    }

    [HttpGet("/api/logs/histogram")]
    public async Task<IActionResult> Histogram(
        [FromQuery] string? interval, [FromQuery] string? agent, [FromQuery] string? level,
        [FromQuery(Name = "start_time")] string? startTime, [FromQuery(Name = "end_time")] string? endTime)
    {
        var bucketSize = HistogramInterval.Hour;
        if (!string.IsNullOrWhiteSpace(interval) && !HistogramIntervals.TryParse(interval, out bucketSize))
        {
            throw new BadRequestException("interval", $"unknown interval '{interval}'; use minute, hour or day");
        }

        var filter = QueryParameters.Filter(agent, level, startTime, endTime);
        Histogram histogram;
        try
        {
            histogram = await queries.HistogramAsync(filter, bucketSize, HttpContext.RequestAborted);
        }
        catch (HistogramTooWideException tooWide)
        {
            throw new BadRequestException("interval", tooWide.Message);
        }

        return Ok(new
        {
            interval = histogram.Interval.Name(),
            buckets = histogram.Buckets.Select(b => new
            {
                time = b.Time,
                count = b.Count,
                by_level = b.ByLevel.ToDictionary(kv => kv.Key.Name(), kv => kv.Value),
            }),
        });
    }

    [HttpGet("/api/errors/summary")]
    public async Task<IActionResult> ErrorSummary([FromQuery] string? hours)
    {
        var span = Hours(hours);
        var to = DateTime.UtcNow;
        var summary = await queries.ErrorSummaryAsync(to.AddHours(-span), to, TopPatterns, HttpContext.RequestAborted);
        return Ok(new
        {
            total_errors = summary.TotalErrors,
            by_agent = summary.ByAgent,
            top_errors = summary.TopErrors.Select(p => new { pattern = p.Pattern, count = p.Count, agents = p.Agents, sample = p.Sample }),
            time_range_hours = span,
        });
    }

    /// <summary>A whole number from 0; more than <see cref="MaxContext"/> is capped rather than refused, like limit.</summary>
    private static int ContextSize(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return DefaultContext;
        }

        if (!int.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
        {
            throw new BadRequestException(field, $"'{value}' is not a whole number");
        }

        return n >= 0 ? Math.Min(n, MaxContext) : throw new BadRequestException(field, $"{field} must not be negative, got {n}");
    }

    private static double Hours(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return DefaultHours;
        }

        if (!double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var hours) || !double.IsFinite(hours))
        {
            throw new BadRequestException("hours", $"'{value}' is not a number");
        }

        return hours is > 0 and <= MaxHours
            ? hours
            : throw new BadRequestException("hours", $"hours must be more than 0 and at most {MaxHours}, got {hours.ToString(CultureInfo.InvariantCulture)}");
    }
}
