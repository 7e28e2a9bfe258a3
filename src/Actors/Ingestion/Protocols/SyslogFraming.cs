using System.Buffers;
using System.Text;

namespace LogAggregator.Ingestion.Protocols;

/// <summary>
/// Splits a syslog TCP stream into messages (RFC 6587): octet counting (<c>LEN SP MSG</c>, as syslog-ng and rsyslog
/// send RFC 5424) when a frame starts with a digit, else non-transparent framing ended by LF (or NUL).
/// </summary>
public static class SyslogFraming
{
    /// <summary>The next whole message, advancing <paramref name="buffer"/> past it; false when more bytes are needed.</summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxMessage, out string? message)
    {
        message = null;
        var reader = new SequenceReader<byte>(buffer);
        while (reader.TryPeek(out var first) && first is (byte)'\n' or (byte)'\r' or 0)
        {
            reader.Advance(1);
        }

        if (!reader.TryPeek(out var start))
        {
            buffer = buffer.Slice(reader.Position);
            return false;
        }

        if (start is >= (byte)'1' and <= (byte)'9' && TryLength(ref reader, out var length))
        {
            if (length > maxMessage)
            {
                throw new InvalidDataException($"an octet-counted frame announces {length} bytes; at most {maxMessage} are accepted");
            }

            if (reader.Remaining < length)
            {
                return false;
            }

            message = Decode(reader.UnreadSequence.Slice(0, length));
            buffer = buffer.Slice(reader.UnreadSequence.GetPosition(length));
            return true;
        }

        var rest = reader.UnreadSequence;
        var end = rest.PositionOf((byte)'\n') ?? rest.PositionOf((byte)0);
        if (end is null)
        {
            if (rest.Length > maxMessage)
            {
                throw new InvalidDataException($"a line of more than {maxMessage} bytes has no end");
            }

            buffer = rest;
            return false;
        }

        message = Decode(rest.Slice(0, end.Value));
        buffer = rest.Slice(rest.GetPosition(1, end.Value));
        return true;
    }

    /// <summary>Digits then a space; false (not octet counting) when the digits are followed by anything else.</summary>
    private static bool TryLength(ref SequenceReader<byte> reader, out long length)
    {
        length = 0;
        var probe = reader;
        var digits = 0;
        while (probe.TryRead(out var b))
        {
            if (b == (byte)' ' && digits > 0)
            {
                reader = probe;
                return true;
            }

            if (b is < (byte)'0' or > (byte)'9' || ++digits > 9)
            {
                return false;
            }

            length = length * 10 + (b - '0');
        }

        // Not all digits are here yet: wait for more rather than misreading a length as a line.
        length = long.MaxValue;
        return false;
    }

    private static string Decode(ReadOnlySequence<byte> bytes) =>
        bytes.IsSingleSegment ? Encoding.UTF8.GetString(bytes.FirstSpan) : Encoding.UTF8.GetString(bytes.ToArray());
}
