using System.Buffers;
using System.Text;

namespace LogAggregator.Ingestion.Protocols;

/// <summary>A body a protocol endpoint cannot accept at all; the host answers 400 naming <see cref="Field"/>.</summary>
public sealed class ProtocolException(string field, string detail) : FormatException(detail)
{
    public string Field { get; } = field;

    /// <summary>
    /// Refuses a JSON body holding bytes that are not UTF-8: System.Text.Json parses such a string but throws only
    /// when it is read, which some fields would and others would not (a 500, or a body half taken).
    /// </summary>
    public static void ThrowUnlessUtf8(ReadOnlySpan<byte> body, string field)
    {
        if (System.Text.Unicode.Utf8.IsValid(body))
        {
            return;
        }

        var offset = 0;
        while (Rune.DecodeFromUtf8(body[offset..], out _, out var consumed) == OperationStatus.Done)
        {
            offset += consumed;
        }

        throw new ProtocolException(field, $"the body is not valid UTF-8 (byte {offset} starts an invalid sequence)");
    }

    /// <summary>
    /// Runs a JSON decoder, refusing as a bad body what System.Text.Json throws only when a string is read: an
    /// escaped lone surrogate (<c>"\ud800"</c>) is valid JSON text but no .NET string (found by fuzzing).
    /// </summary>
    public static T Reading<T>(Func<T> decode)
    {
        try
        {
            return decode();
        }
        catch (InvalidOperationException e)
        {
            throw new ProtocolException("body", $"the body holds a string that is not valid Unicode: {e.Message}");
        }
    }
}
