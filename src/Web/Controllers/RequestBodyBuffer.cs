using System.Buffers;

namespace LogAggregator.Web.Controllers;

/// <summary>
/// A request body read whole into an array rented from the shared pool, returned on dispose. Ingest bodies are
/// usually hundreds of kilobytes to megabytes: a fresh array per request would land on the large object heap, and
/// its allocations alone would set off a full garbage collection every few dozen requests, pausing every thread of
/// the node (the commits too) for as long as the live heap takes to mark.
/// </summary>
public sealed class RequestBodyBuffer : IDisposable
{
    private const int FirstSize = 64 * 1024;

    private byte[] _array;
    private int _length;

    private RequestBodyBuffer(int capacity)
    {
        _array = ArrayPool<byte>.Shared.Rent(capacity);
    }

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, _length);

    /// <summary>
    /// Reads <paramref name="body"/> to its end; past <paramref name="limit"/> bytes it stops with
    /// <paramref name="tooLarge"/>'s exception, having held at most the limit's worth.
    /// </summary>
    /// <param name="expected">The length announced (Content-Length), when known and meaningful: the first array's size.</param>
    public static async Task<RequestBodyBuffer> ReadAsync(
        Stream body, long? expected, long limit, Func<Exception> tooLarge, CancellationToken cancellationToken)
    {
        var buffer = new RequestBodyBuffer((int)Math.Clamp(expected ?? FirstSize, 1, Math.Min(limit + 1, Array.MaxLength)));
        try
        {
            while (true)
            {
                if (buffer._length == buffer._array.Length)
                {
                    if (buffer._length > limit)
                    {
                        throw tooLarge();
                    }

                    buffer.Grow((int)Math.Min(Math.Min((long)buffer._array.Length * 2, limit + 1), Array.MaxLength));
                }

                var read = await body.ReadAsync(buffer._array.AsMemory(buffer._length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                buffer._length += read;
                if (buffer._length > limit)
                {
                    throw tooLarge();
                }
            }

            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, []);
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }

        _length = 0;
    }

    private void Grow(int capacity)
    {
        var larger = ArrayPool<byte>.Shared.Rent(capacity);
        _array.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_array);
        _array = larger;
    }
}
