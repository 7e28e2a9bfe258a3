using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LogAggregator.Configuration;
using LogAggregator.Model;
using LogAggregator.Querying;
using LogAggregator.Storage;
using LogAggregator.Web.Json;
using LogAggregator.Web.Services;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using LogAggregator.Web.Security;

namespace LogAggregator.Web.Controllers;

/// <summary>
/// <c>GET /api/logs/tail</c>: Server-Sent Events of entries committed after the client connected, anywhere in
/// the cluster, filtered by the <see cref="LiveTail"/> actor. A heartbeat comment goes out every
/// <c>tail-heartbeat</c>; a client that falls too far behind gets <c>event: dropped</c> and the stream ends.
/// </summary>
[ApiController]
public sealed class TailController(ILiveTailService liveTail, LogAggregatorSettings settings) : ControllerBase
{
    [RequiresScope(EndpointAccess.Read)]
    [HttpGet("/api/logs/tail")]
    [ProducesResponseType(typeof(string), StatusCodes.Status200OK, "text/event-stream")]
    public async Task Tail([FromQuery] string? agent, [FromQuery] string? level, [FromQuery] string? q)
    {
        var (single, several) = QueryParameters.LevelList(level);
        var filter = new LiveTailFilter(
            AgentKey: string.IsNullOrWhiteSpace(agent) ? null : AgentKeys.Of(agent.Trim()),
            Level: single,
            Pattern: string.IsNullOrEmpty(q) ? null : SearchPattern.Parse(q),
            Levels: several);
        var aborted = HttpContext.RequestAborted;
        await using var subscription = await liveTail.SubscribeAsync(filter, aborted);

        HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        Response.ContentType = "text/event-stream";
        Response.Headers.CacheControl = "no-cache";
        Response.Headers["X-Accel-Buffering"] = "no";
        // The headers go out now: a client that sees them is subscribed, so what it posts next reaches it.
        await Response.WriteAsync(": connected\n\n", aborted);
        await Response.Body.FlushAsync(aborted);

        try
        {
            await StreamAsync(subscription, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away: nothing left to say.
        }
    }

    private async Task StreamAsync(LiveTailSubscription subscription, CancellationToken aborted)
    {
        using var heartbeat = new PeriodicTimer(settings.Http.TailHeartbeat);
        var tick = heartbeat.WaitForNextTickAsync(aborted).AsTask();
        var ready = subscription.Entries.WaitToReadAsync(aborted).AsTask();
        var text = new StringBuilder();
        while (true)
        {
            if (await Task.WhenAny(ready, tick) == tick)
            {
                await tick;
                await WriteAsync($": heartbeat {EntryJson.FormatTimestamp(DateTime.UtcNow)}\n\n", aborted);
                tick = heartbeat.WaitForNextTickAsync(aborted).AsTask();
                continue;
            }

            try
            {
                if (!await ready)
                {
                    return; // unsubscribed: the server is stopping
                }
            }
            catch (LiveTailDroppedException dropped)
            {
                await WriteAsync($"event: dropped\ndata: {JsonSerializer.Serialize(new TailDroppedEvent(dropped.Message), DroppedJson)}\n\n", aborted);
                return;
            }

            text.Clear();
            while (text.Length < 64 * 1024 && subscription.Entries.TryRead(out var entry))
            {
                AppendEvent(text, entry);
            }

            await WriteAsync(text.ToString(), aborted);
            ready = subscription.Entries.WaitToReadAsync(aborted).AsTask();
        }
    }

    private static readonly JsonSerializerOptions DroppedJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private async Task WriteAsync(string text, CancellationToken aborted)
    {
        await Response.WriteAsync(text, aborted);
        await Response.Body.FlushAsync(aborted);
    }

    private static void AppendEvent(StringBuilder text, StoredEntry entry)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            EntryJson.WriteFields(writer, entry);
            writer.WriteEndObject();
        }

        // Metadata is written as the agent sent it; valid JSON has line breaks only between tokens, so a space
        // keeps its meaning and the event's data on one line.
        var json = Encoding.UTF8.GetString(buffer.WrittenSpan).Replace('\r', ' ').Replace('\n', ' ');
        text.Append("event: log\nid: ").Append(entry.Id).Append("\ndata: ").Append(json).Append("\n\n");
    }
}

/// <summary>The data of <c>event: dropped</c>: why the stream ends.</summary>
public sealed record TailDroppedEvent(string Reason);
