using System.IO.Compression;
using LogAggregator.Configuration;

namespace LogAggregator.Web.Controllers;

/// <summary>
/// Reads a protocol endpoint's body whole, inflating <c>Content-Encoding: gzip</c> (or deflate): the size limit
/// holds for the inflated bytes too, so a small bomb gets 413 after at most the limit's worth of memory.
/// </summary>
public sealed class ProtocolBodyReader(LogAggregatorSettings settings)
{
    public long MaxBodySize => settings.Http.MaxBodySize;

    /// <summary>The body, in a pooled buffer the caller disposes once it has decoded it.</summary>
    public async Task<RequestBodyBuffer> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = settings.Http.MaxBodySize;
        if (request.ContentLength > limit)
        {
            throw TooLarge($"the body has {request.ContentLength} bytes; at most {limit} are accepted");
        }

        var encoding = request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        Stream body = encoding switch
        {
            "" or "identity" => request.Body,
            "gzip" or "x-gzip" => new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            "deflate" => new ZLibStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            _ => throw new BadRequestException("Content-Encoding", $"Content-Encoding '{encoding}' is not supported; send gzip, deflate or none"),
        };

        try
        {
            return await RequestBodyBuffer.ReadAsync(
                body, encoding is "" or "identity" ? request.ContentLength : null, limit,
                () => TooLarge(body == request.Body
                    ? $"the body has more than {limit} bytes; at most {limit} are accepted"
                    : $"the body inflates to more than {limit} bytes; at most {limit} are accepted"),
                cancellationToken);
        }
        catch (InvalidDataException e)
        {
            throw new BadRequestException("Content-Encoding", $"the body is not valid {encoding}: {e.Message}");
        }
        finally
        {
            if (body != request.Body)
            {
                await body.DisposeAsync();
            }
        }
    }

    public static BadHttpRequestException TooLarge(string detail) => new(detail, StatusCodes.Status413PayloadTooLarge);

    /// <summary>The media type without parameters, lower-cased: <c>application/json; charset=utf-8</c> → <c>application/json</c>.</summary>
    public static string MediaType(HttpRequest request) =>
        (request.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
}
