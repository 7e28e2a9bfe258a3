using System.Text;
using LogAggregator.Configuration;
using LogAggregator.Ingestion.Protocols;
using LogAggregator.Model;
using LogAggregator.Telemetry;
using LogAggregator.Web.Services;
using Microsoft.AspNetCore.Mvc;
using LogAggregator.Web.Security;

namespace LogAggregator.Web.Controllers;

/// <summary>
/// The ecosystem's HTTP ingestion protocols, each decoded in src/Actors/Ingestion/Protocols and stored through the
/// same commit path as POST /api/logs: the answer comes once the entries are committed, and a body that cannot
/// be read stores nothing.
/// </summary>
[ApiController]
public sealed class ProtocolsController(IIngestService ingest, ProtocolBodyReader bodies, LogAggregatorSettings settings) : ControllerBase
{
    private const string Protobuf = "application/x-protobuf";
    private const string Json = "application/json";

    /// <summary>OTLP/HTTP logs; answers an ExportLogsServiceResponse in the request's encoding.</summary>
    [RequiresScope(EndpointAccess.Ingest)]
    [HttpPost("/v1/logs")]
    [BoundedIngest]
    [RequestBody(null, "An OTLP ExportLogsServiceRequest", Protobuf, Json)]
    [ProducesResponseType(typeof(byte[]), StatusCodes.Status200OK, Protobuf, Json)]
    public async Task<IActionResult> Otlp()
    {
        var mediaType = ProtocolBodyReader.MediaType(Request);
        if (mediaType is not (Protobuf or Json))
        {
            return Unsupported(mediaType, "application/x-protobuf or application/json");
        }

        using var buffer = await bodies.ReadAsync(Request, HttpContext.RequestAborted);
        var body = buffer.Memory;
        var request = mediaType == Protobuf ? OtlpLogs.ParseProtobuf(body.Span) : OtlpLogs.ParseJson(Encoding.UTF8.GetString(body.Span));
        var decoded = OtlpLogs.Decode(request, DateTime.UtcNow, settings.Ingestion.MaxAgentLength);
        await StoreAsync(decoded.Entries, SourceKind.Otlp);
        return mediaType == Protobuf
            ? File(OtlpLogs.ResponseProtobuf(decoded), Protobuf)
            : Content(OtlpLogs.ResponseJson(decoded), Json);
    }

    /// <summary>Seq's raw ingestion: CLEF (<c>?clef</c> or its content type) or <c>{"Events": [...]}</c>.</summary>
    /// <remarks>
    /// Seq answers 201 with the minimum level it wants (null: everything), which Serilog.Sinks.Seq reads. Its
    /// API key travels as X-Seq-ApiKey (as Serilog.Sinks.Seq sends it) or as on any other endpoint.
    /// </remarks>
    [RequiresScope(EndpointAccess.Ingest)]
    [HttpPost("/api/events/raw")]
    [BoundedIngest]
    [RequestBody(null, "Seq events: CLEF lines, or {\"Events\": [...]}", "application/vnd.serilog.clef", Json)]
    [ProducesResponseType<SeqIngestionResponse>(StatusCodes.Status201Created)]
    public async Task<IActionResult> Seq()
    {
        var mediaType = ProtocolBodyReader.MediaType(Request);
        var clef = Request.Query.ContainsKey("clef") || mediaType == "application/vnd.serilog.clef";
        using var buffer = await bodies.ReadAsync(Request, HttpContext.RequestAborted);
        var body = buffer.Memory;
        var now = DateTime.UtcNow;
        var agentProperty = settings.Protocols.SeqAgentProperty;
        var maxAgent = settings.Ingestion.MaxAgentLength;
        var entries = clef
            ? SeqClef.DecodeClef(body, now, agentProperty, maxAgent)
            : SeqClef.DecodeEvents(body, now, agentProperty, maxAgent);
        await StoreAsync(entries, SourceKind.Seq);
        return StatusCode(StatusCodes.Status201Created, new SeqIngestionResponse(null));
    }

    /// <summary>Loki's push API: JSON, or snappy-compressed protobuf; answers 204 like Loki.</summary>
    [RequiresScope(EndpointAccess.Ingest)]
    [HttpPost("/loki/api/v1/push")]
    [BoundedIngest]
    [RequestBody(null, "A Loki PushRequest: snappy-compressed protobuf or JSON", Protobuf, Json)]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    public async Task<IActionResult> Loki()
    {
        var mediaType = ProtocolBodyReader.MediaType(Request);
        if (mediaType is not (Protobuf or Json))
        {
            return Unsupported(mediaType, "application/x-protobuf (snappy) or application/json");
        }

        using var buffer = await bodies.ReadAsync(Request, HttpContext.RequestAborted);
        var body = buffer.Memory;
        var now = DateTime.UtcNow;
        IReadOnlyList<LogEntry> entries;
        try
        {
            entries = mediaType == Protobuf
                ? LokiPush.Decode(LokiPush.ParseProtobuf(body.Span, bodies.MaxBodySize), now, settings.Ingestion.MaxAgentLength)
                : LokiPush.DecodeJson(body, now, settings.Ingestion.MaxAgentLength);
        }
        catch (ProtocolSizeException e)
        {
            throw ProtocolBodyReader.TooLarge(e.Message);
        }

        await StoreAsync(entries, SourceKind.Loki);
        return NoContent();
    }

    private async Task StoreAsync(IReadOnlyList<LogEntry> entries, SourceKind kind)
    {
        if (entries.Count > 0)
        {
            await ingest.StoreAsync(entries, kind, HttpContext.RequestAborted);
        }
    }

    private ObjectResult Unsupported(string mediaType, string expected) =>
        Problem(
            statusCode: StatusCodes.Status415UnsupportedMediaType,
            title: "Unsupported media type",
            detail: $"Content-Type '{mediaType}' is not accepted here; send {expected}");
}

/// <summary>What Seq answers a raw ingestion; Serilog.Sinks.Seq adapts its level to <c>MinimumLevelAccepted</c>.</summary>
public sealed record SeqIngestionResponse([property: System.Text.Json.Serialization.JsonPropertyName("MinimumLevelAccepted")] string? MinimumLevelAccepted);
