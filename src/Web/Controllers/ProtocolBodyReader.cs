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

    public async Task<ReadOnlyMemory<byte>> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
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

        var buffer = new MemoryStream(request.ContentLength is { } length && encoding is "" or "identity" ? (int)length : 64 * 1024);
        var chunk = new byte[81920];
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw TooLarge(body == request.Body
                        ? $"the body has more than {limit} bytes; at most {limit} are accepted"
                        : $"the body inflates to more than {limit} bytes; at most {limit} are accepted");
                }

                buffer.Write(chunk, 0, read);
            }
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

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    public static BadHttpRequestException TooLarge(string detail) => new(detail, StatusCodes.Status413PayloadTooLarge);

    /// <summary>The media type without parameters, lower-cased: <c>application/json; charset=utf-8</c> → <c>application/json</c>.</summary>
    public static string MediaType(HttpRequest request) =>
        (request.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
}
