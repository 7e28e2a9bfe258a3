using System.Buffers;

namespace LogAggregator.Web.Controllers;

/// <summary>
/// A request body read whole into an array rented from the shared pool, returned on dispose. Ingest bodies are
/// usually hundreds of kilobytes to megabytes: a fresh array per request would land on the large object heap, and
/// its allocations alone would set off a full garbage collection every few dozen requests, pausing every thread of
/// the node (the commits too) for as long as the live heap takes to mark. Bodies over <see cref="MaxPooled"/> get an
/// array of their own, as before: the shared pool keeps what it lends, per thread and per core, and a few 8 MB
/// arrays kept by each of a dozen threads cost more resident memory (measured: +115 MiB in the peer benchmark's
/// 8 MB bodies) than one large allocation per several thousand lines costs the collector.
/// </summary>
public sealed class RequestBodyBuffer : IDisposable
{
    /// <summary>The largest array taken from the shared pool.</summary>
    public const int MaxPooled = 1024 * 1024;

    private const int FirstSize = 64 * 1024;

    private byte[] _array;
    private int _length;

    private RequestBodyBuffer(int capacity)
    {
        _array = Take(capacity);
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
                    // Reads stop past the limit, so a full array is within it; only an array's own maximum stops growth.
                    if (buffer._length >= Array.MaxLength)
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
        Give(Interlocked.Exchange(ref _array, []));
        _length = 0;
    }

    private void Grow(int capacity)
    {
        var larger = Take(capacity);
        _array.AsSpan(0, _length).CopyTo(larger);
        Give(_array);
        _array = larger;
    }

    private static byte[] Take(int capacity) =>
        capacity <= MaxPooled ? ArrayPool<byte>.Shared.Rent(capacity) : GC.AllocateUninitializedArray<byte>(capacity);

    /// <summary>Only what the pool lent goes back: it lends power-of-two lengths up to <see cref="MaxPooled"/>.</summary>
    private static void Give(byte[] array)
    {
        if (array.Length is > 0 and <= MaxPooled)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
