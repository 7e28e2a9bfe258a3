using System.Text.Json;
using LogAggregator.Configuration;
using LogAggregator.Ingestion;
using LogAggregator.Model;

namespace LogAggregator.Web.Controllers;

/// <summary>
/// Reads a POST /api/logs body: one JSON object, a JSON array of objects, or NDJSON (one object per line).
/// Every entry is checked before any is stored, so a bad entry refuses the whole request and stores nothing.
/// </summary>
public sealed class EntryBodyReader(LogAggregatorSettings settings)
{
    public const string DefaultAgent = "unknown";
    public const string DefaultSource = "api";

    public async Task<IReadOnlyList<LogEntry>> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > settings.Http.MaxBodySize)
        {
            throw new BadHttpRequestException(
                $"the body has {request.ContentLength} bytes; at most {settings.Http.MaxBodySize} are accepted",
                StatusCodes.Status413PayloadTooLarge);
        }

        var limit = settings.Http.MaxBodySize;
        using var body = await RequestBodyBuffer.ReadAsync(request.Body, request.ContentLength, limit,
            () => new BadHttpRequestException($"the body has more than {limit} bytes; at most {limit} are accepted",
                StatusCodes.Status413PayloadTooLarge),
            cancellationToken);
        return Parse(body.Memory, DateTime.UtcNow, settings.Ingestion.MaxAgentLength);
    }

    public static IReadOnlyList<LogEntry> Parse(
        ReadOnlyMemory<byte> body, DateTime now, int maxAgentLength = IngestionSettings.DefaultMaxAgentLength)
    {
        var span = body.Span;
        var start = 0;
        if (span.StartsWith("\uFEFF"u8))
        {
            start = 3;
        }

        while (start < span.Length && IsWhiteSpace(span[start]))
        {
            start++;
        }

        if (start == span.Length)
        {
            throw new BadRequestException("body", "the body is empty; send a JSON object, a JSON array or NDJSON");
        }

        return span[start] switch
        {
            (byte)'[' => ParseArray(body[start..], now, maxAgentLength),
            (byte)'{' => ParseObjects(body[start..], now, maxAgentLength),
            _ => throw new BadRequestException("body", "the body must be a JSON object, a JSON array of objects, or NDJSON"),
        };
    }

    private static List<LogEntry> ParseArray(ReadOnlyMemory<byte> body, DateTime now, int maxAgentLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new BadRequestException("body", $"malformed JSON: {e.Message}");
        }

        using (document)
        {
            var entries = new List<LogEntry>(document.RootElement.GetArrayLength());
            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                entries.Add(Accept(JsonEntryReader.ReadPosted(element, DefaultAgent, DefaultSource, now), "entry", index, maxAgentLength));
                index++;
            }

            return entries;
        }
    }

    /// <summary>One object, possibly pretty-printed over many lines, or NDJSON.</summary>
    private static List<LogEntry> ParseObjects(ReadOnlyMemory<byte> body, DateTime now, int maxAgentLength)
    {
        if (!LooksLikeNdjson(body.Span))
        {
            return [Accept(JsonEntryReader.ReadPosted(body.Span, DefaultAgent, DefaultSource, now), "", 0, maxAgentLength)];
        }

        var span = body.Span;
        var entries = new List<LogEntry>(span.Count((byte)'\n') + 1);
        var lineNumber = 0;
        while (span.Length > 0)
        {
            lineNumber++;
            var newline = span.IndexOf((byte)'\n');
            var line = newline < 0 ? span : span[..newline];
            span = newline < 0 ? [] : span[(newline + 1)..];
            if (line.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            var refused = JsonEntryReader.TryReadPosted(line, DefaultAgent, DefaultSource, now, out var entry);
            entries.Add(refused is null ? Accept(entry!, "line", lineNumber, maxAgentLength) : throw Refused(refused, "line", lineNumber));
        }

        return entries;
    }

    /// <summary>More than one line that starts with '{': several documents, not one pretty-printed object.</summary>
    private static bool LooksLikeNdjson(ReadOnlySpan<byte> body)
    {
        var first = body.IndexOf((byte)'\n');
        if (first < 0)
        {
            return false;
        }

        var rest = body[(first + 1)..].TrimStart(" \t\r\n"u8);
        return rest.Length > 0 && rest[0] == (byte)'{' && body[..first].TrimEnd(" \t\r"u8).EndsWith("}"u8);
    }

    /// <summary>The entry, or a 400 naming where it is (<paramref name="unit"/> and <paramref name="number"/>: "line 7: ").</summary>
    private static LogEntry Accept(JsonEntryResult result, string unit, int number, int maxAgentLength) =>
        result.IsValid ? Accept(result.Entry, unit, number, maxAgentLength) : throw Refused(result, unit, number);

    private static LogEntry Accept(LogEntry entry, string unit, int number, int maxAgentLength) =>
        entry.Agent.Length <= maxAgentLength
            ? entry
            : throw new BadRequestException(
                "agent", $"{Where(unit, number)}agent has {entry.Agent.Length} characters; at most {maxAgentLength} are accepted");

    private static BadRequestException Refused(JsonEntryResult result, string unit, int number)
    {
        var field = result.ErrorField == JsonEntryResult.RootField ? "body" : result.ErrorField!;
        return new BadRequestException(field, Where(unit, number) + result.Error);
    }

    // Written only for a refusal: formatting it for every accepted line cost a string per entry.
    private static string Where(string unit, int number) => unit.Length == 0 ? "" : $"{unit} {number}: ";

    private static bool IsWhiteSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
