using System.Globalization;
using LogAggregator.Model;
using LogAggregator.Storage;
using LogAggregator.Web.Services;
using Microsoft.AspNetCore.Mvc;
using LogAggregator.Web.Security;

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

    [RequiresScope(EndpointAccess.Read)]
    [HttpGet("/api/logs/context")]
    public async Task<ActionResult<LogContextResponse>> Context([FromQuery] string? id, [FromQuery] string? before, [FromQuery] string? after)
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

        return new LogContextResponse(context.Before, context.Target, context.After);
    }

    /// <summary>
    /// By <c>interval</c> (minute, hour or day; the contract's form: non-empty buckets only), or with
    /// <c>buckets=N</c> about N even buckets over <c>start_time</c> to <c>end_time</c> (default now), empty ones
    /// included, their width in <c>interval_ms</c> (see <see cref="HistogramBuckets"/>).
    /// </summary>
    [RequiresScope(EndpointAccess.Read)]
    [HttpGet("/api/logs/histogram")]
    public async Task<HistogramResponse> Histogram(
        [FromQuery] string? interval, [FromQuery] string? agent, [FromQuery] string? level,
        [FromQuery(Name = "start_time")] string? startTime, [FromQuery(Name = "end_time")] string? endTime,
        [FromQuery] string? buckets)
    {
        if (!string.IsNullOrWhiteSpace(buckets))
        {
            if (!string.IsNullOrWhiteSpace(interval))
            {
                throw new BadRequestException("buckets", "give either interval or buckets, not both");
            }

            return await BucketedHistogramAsync(buckets, QueryParameters.Filter(agent, level, startTime, endTime));
        }

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

        return new HistogramResponse(histogram.Interval.Name(), histogram.Buckets.Select(HistogramBucketResponse.From).ToList());
    }

    private async Task<HistogramResponse> BucketedHistogramAsync(string buckets, LogFilter filter)
    {
        var count = QueryParameters.Number("buckets", buckets, 0);
        if (count < 1)
        {
            throw new BadRequestException("buckets", $"buckets must be at least 1, got {count}");
        }

        if (filter.From is not { } from)
        {
            throw new BadRequestException("start_time", "start_time is required with buckets");
        }

        var to = filter.To ?? DateTime.UtcNow;
        if (to <= from)
        {
            throw new BadRequestException("end_time", "end_time must be after start_time");
        }

        var (width, read) = HistogramBuckets.Plan(from, to, Math.Min(count, HistogramBuckets.MaxCount));
        Histogram histogram;
        try
        {
            histogram = await queries.HistogramAsync(filter with { To = to }, read, HttpContext.RequestAborted);
        }
        catch (HistogramTooWideException tooWide)
        {
            throw new BadRequestException("start_time", tooWide.Message);
        }

        return new HistogramResponse(
            HistogramBuckets.Name(width),
            HistogramBuckets.Merge(histogram, width, from, to).Select(HistogramBucketResponse.From).ToList(),
            (long)width.TotalMilliseconds);
    }

    [RequiresScope(EndpointAccess.Read)]
    [HttpGet("/api/errors/summary")]
    public async Task<ErrorSummaryResponse> ErrorSummary([FromQuery] string? hours)
    {
        var span = Hours(hours);
        var to = DateTime.UtcNow;
        var summary = await queries.ErrorSummaryAsync(to.AddHours(-span), to, TopPatterns, HttpContext.RequestAborted);
        return new ErrorSummaryResponse(
            summary.TotalErrors,
            summary.ByAgent,
            summary.TopErrors.Select(p => new ErrorPatternResponse(p.Pattern, p.Count, p.Agents, p.Sample)).ToList(),
            span);
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

/// <summary>
/// <c>GET /api/logs/context</c>: the target itself, and the entries around it from the same source and agent; both
/// lists newest first (<see cref="Before"/> starts with the entry just before the target, <see cref="After"/> ends
/// with the one just after it).
/// </summary>
public sealed record LogContextResponse(IReadOnlyList<StoredEntry> Before, StoredEntry Target, IReadOnlyList<StoredEntry> After);

/// <summary>
/// <c>GET /api/logs/histogram</c>, oldest first: by <c>interval</c> the non-empty buckets; by <c>buckets</c> every
/// bucket of the range, <see cref="IntervalMs"/> wide (absent in the interval form, as the contract has it).
/// </summary>
public sealed record HistogramResponse(
    string Interval,
    IReadOnlyList<HistogramBucketResponse> Buckets,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    long? IntervalMs = null);

/// <summary>A bucket labelled by its start (UTC); <see cref="ByLevel"/> names only the levels present.</summary>
public sealed record HistogramBucketResponse(DateTime Time, long Count, IReadOnlyDictionary<string, long> ByLevel)
{
    public static HistogramBucketResponse From(HistogramBucket b) =>
        new(b.Time, b.Count, b.ByLevel.ToDictionary(kv => kv.Key.Name(), kv => kv.Value));
}

/// <summary><c>GET /api/errors/summary</c>.</summary>
public sealed record ErrorSummaryResponse(
    long TotalErrors, IReadOnlyDictionary<string, long> ByAgent, IReadOnlyList<ErrorPatternResponse> TopErrors, double TimeRangeHours);

/// <summary>A masked message, how often it occurred, the agents (sorted) it came from and its most frequent message.</summary>
public sealed record ErrorPatternResponse(string Pattern, long Count, IReadOnlyList<string> Agents, string Sample);
