using System.Globalization;
using System.Text.Json;
using LogAggregator.Alerting;
using LogAggregator.Model;
using LogAggregator.Web.Services;
using Microsoft.AspNetCore.Mvc;
using LogAggregator.Web.Security;

namespace LogAggregator.Web.Controllers;

/// <summary>The alerts the notifier holds (outbox and history) and the silences.</summary>
[ApiController]
public sealed class AlertsController(IAlertService alerts) : ControllerBase
{
    public const int MaxCommentLength = 1000;
    public const int MaxMatcherLength = 1000;

    [RequiresScope(EndpointAccess.Read)]
    [HttpGet("/api/alerts")]
    public async Task<AlertsResponse> List([FromQuery] string? limit, [FromQuery] string? agent, [FromQuery] string? state)
    {
        var paging = QueryParameters.Paging(limit, null);
        DeliveryState? wanted = null;
        if (!string.IsNullOrWhiteSpace(state))
        {
            wanted = DeliveryStates.TryParse(state, out var parsed)
                ? parsed
                : throw new BadRequestException("state", $"unknown state '{state}'; use pending, delivered, failed or silenced");
        }

        var records = await alerts.ListAsync(paging.Limit, string.IsNullOrWhiteSpace(agent) ? null : agent.Trim(), wanted, HttpContext.RequestAborted);
        return new AlertsResponse(records.Select(AlertSummary.From).ToList());
    }

    [RequiresScope(EndpointAccess.Read)]
    [HttpGet("/api/alerts/{id}")]
    public async Task<ActionResult<AlertDetail>> Get(string id)
    {
        var record = await alerts.GetAsync(id, HttpContext.RequestAborted);
        return record is null
            ? Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"no alert has id '{id}'")
            : AlertDetail.From(record);
    }

    [RequiresScope(EndpointAccess.Read)]
    [HttpGet("/api/alerts/silences")]
    public async Task<SilencesResponse> Silences() =>
        new((await alerts.ListSilencesAsync(HttpContext.RequestAborted)).Select(SilenceResponse.From).ToList());

    [RequiresScope(EndpointAccess.Admin)]
    [HttpPost("/api/alerts/silences")]
    [RequestBody(typeof(SilenceRequest), "What to silence, for how long, and why", "application/json")]
    [ProducesResponseType<SilenceResponse>(StatusCodes.Status201Created)]
    public async Task<IActionResult> CreateSilence()
    {
        var (matcher, duration, comment) = await ReadSilenceAsync();
        var silence = await alerts.CreateSilenceAsync(matcher, duration, comment, HttpContext.RequestAborted);
        return StatusCode(StatusCodes.Status201Created, SilenceResponse.From(silence));
    }

    [RequiresScope(EndpointAccess.Admin)]
    [HttpDelete("/api/alerts/silences/{id}")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    public async Task<IActionResult> DeleteSilence(string id) =>
        await alerts.DeleteSilenceAsync(id, HttpContext.RequestAborted)
            ? NoContent()
            : Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"no active silence has id '{id}'");

    /// <summary>Read by hand rather than bound, so each refusal names its field.</summary>
    private async Task<(SilenceMatcher Matcher, TimeSpan Duration, string Comment)> ReadSilenceAsync()
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(Request.Body, default, HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            throw new BadRequestException("body", $"the body is not JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new BadRequestException("body", "the body must be a JSON object {matcher, duration, comment}");
            }

            if (!root.TryGetProperty("matcher", out var m) || m.ValueKind != JsonValueKind.Object)
            {
                throw new BadRequestException("matcher", "matcher is required: an object with agent, key and/or pattern");
            }

            var matcher = new SilenceMatcher(MatcherField(m, "agent"), MatcherField(m, "key"), MatcherField(m, "pattern"));
            if (matcher.IsEmpty)
            {
                throw new BadRequestException("matcher", "matcher must name at least one of agent, key or pattern");
            }

            var durationText = root.TryGetProperty("duration", out var d)
                ? d.ValueKind switch
                {
                    JsonValueKind.String => d.GetString(),
                    JsonValueKind.Number => d.GetRawText(),
                    _ => throw new BadRequestException("duration", "duration must be a string like \"30m\" or \"2h\", or a number of seconds"),
                }
                : null;
            if (!SilenceDurations.TryParse(durationText, out var duration, out var error))
            {
                throw new BadRequestException("duration", error);
            }

            var comment = "";
            if (root.TryGetProperty("comment", out var c) && c.ValueKind != JsonValueKind.Null)
            {
                comment = c.ValueKind == JsonValueKind.String ? c.GetString()! : throw new BadRequestException("comment", "comment must be a string");
                if (comment.Length > MaxCommentLength)
                {
                    throw new BadRequestException("comment", $"comment must be at most {MaxCommentLength} characters");
                }
            }

            return (matcher, duration, comment);
        }
    }

    private static string? MatcherField(JsonElement matcher, string name)
    {
        if (!matcher.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new BadRequestException($"matcher.{name}", $"matcher.{name} must be a string");
        }

        var text = value.GetString()!;
        return text.Length <= MaxMatcherLength
            ? string.IsNullOrWhiteSpace(text) ? null : text
            : throw new BadRequestException($"matcher.{name}", $"matcher.{name} must be at most {MaxMatcherLength.ToString(CultureInfo.InvariantCulture)} characters");
    }
}

public sealed record AlertsResponse(IReadOnlyList<AlertSummary> Alerts);

public sealed record DeliveryResponse(string State, int Attempts, string? Path);

/// <summary>One row of <c>GET /api/alerts</c>.</summary>
public sealed record AlertSummary(
    string Id, string Key, string Title, string Level, string Reason, string Agent,
    DateTime FirstSeen, DateTime LastSeen, long Count, DeliveryResponse Delivery)
{
    public static AlertSummary From(AlertRecord r) => new(
        r.Alert.Id, r.Alert.Key, r.Alert.Title, r.Alert.Level.Name(), r.Alert.Reason, r.Alert.Agent,
        r.Alert.FirstSeen, r.Alert.LastSeen, r.Alert.Count, new DeliveryResponse(r.State.Name(), r.Attempts, r.Path));
}

public sealed record SampleResponse(string Id, DateTime Time, string Message);

public sealed record AttemptResponse(DateTime At, string Path, int? Status, string? Error);

public sealed record DeliveryDetail(
    string State, int Attempts, string? Path, string? SilenceId, DateTime QueuedAt, DateTime? FinishedAt, IReadOnlyList<AttemptResponse> RecentAttempts);

/// <summary><c>GET /api/alerts/{id}</c>: the row's fields plus the samples and the delivery attempts (the last <see cref="AlertLog.AttemptsKept"/>).</summary>
public sealed record AlertDetail(
    string Id, string Key, string Title, string Level, string Reason, string Agent, string? Pattern,
    DateTime FirstSeen, DateTime LastSeen, DateTime RaisedAt, long Count, string Link,
    IReadOnlyList<SampleResponse> Samples, DeliveryDetail Delivery)
{
    public static AlertDetail From(AlertRecord r) => new(
        r.Alert.Id, r.Alert.Key, r.Alert.Title, r.Alert.Level.Name(), r.Alert.Reason, r.Alert.Agent, r.Alert.Pattern,
        r.Alert.FirstSeen, r.Alert.LastSeen, r.Alert.RaisedAt, r.Alert.Count, r.Alert.Link,
        r.Alert.Samples.Select(s => new SampleResponse(s.Id, s.Timestamp, s.Message)).ToList(),
        new DeliveryDetail(r.State.Name(), r.Attempts, r.Path, r.SilenceId, r.QueuedAt, r.FinishedAt,
            r.RecentAttempts.Select(a => new AttemptResponse(a.At, a.Path, a.Status, a.Error)).ToList()));
}

public sealed record MatcherResponse(string? Agent, string? Key, string? Pattern);

public sealed record SilenceResponse(string Id, MatcherResponse Matcher, DateTime StartsAt, DateTime EndsAt, string Comment)
{
    public static SilenceResponse From(Silence s) =>
        new(s.Id, new MatcherResponse(s.Matcher.Agent, s.Matcher.Key, s.Matcher.Pattern), s.StartsAt, s.EndsAt, s.Comment);
}

public sealed record SilencesResponse(IReadOnlyList<SilenceResponse> Silences);
