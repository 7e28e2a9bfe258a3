using System.Text;

namespace LogAggregator.Ingestion;

/// <summary>One complete line of a file and where it sits, in bytes.</summary>
public readonly record struct FileLine(string Text, long StartOffset, long EndOffset, bool Truncated);

/// <summary>
/// Reads whole lines from an open file, from a byte offset on. A half-written last line stays unread until
/// its newline arrives (or the tailer decides the file is idle and calls <see cref="ReadPartial"/>). Invalid
/// UTF-8 becomes U+FFFD; a line longer than the limit is cut, and the rest of it up to its newline skipped,
/// so no line can make the reader hold more than the limit in memory.
/// </summary>
public sealed class LineReader : IDisposable
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly int _maxLineBytes;
    /// <summary>What an idle reader keeps: thousands of quiet files must not hold a read chunk each.</summary>
    private const int IdleBytes = 16 * 1024;

    private readonly int _initialBytes;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _bufferOffset;
    private bool _skippingRestOfLongLine;

    public LineReader(string path, long offset, int maxLineBytes, int chunkBytes)
        : this(new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
        }), offset, maxLineBytes, chunkBytes, ownsStream: true)
    {
    }

    /// <summary>Reads through a stream someone else opened (and, unless <paramref name="ownsStream"/>, disposes).</summary>
    public LineReader(Stream stream, long offset, int maxLineBytes, int chunkBytes, bool ownsStream)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        _maxLineBytes = maxLineBytes;
        _initialBytes = Math.Max(chunkBytes, 64 * 1024);
        _buffer = new byte[IdleBytes];
        _stream.Position = offset;
        _bufferOffset = offset;
    }

    /// <summary>Offset just past the last line handed out: where a restart would read from.</summary>
    public long Position => _bufferOffset + _start;

    /// <summary>Bytes after <see cref="Position"/> already in the file: buffered partial line plus unread data.</summary>
    public long Lag => Math.Max(0, Length - Position);

    public long Length => _stream.Length;

    public bool HasPartialLine => _end > _start || _skippingRestOfLongLine;

    /// <summary>Everything the file holds now has been read into the buffer.</summary>
    public bool CaughtUp => _stream.Position >= _stream.Length;

    /// <summary>Reads at most one chunk and appends the complete lines to <paramref name="output"/>; false at end of file.</summary>
    public bool ReadLines(List<FileLine> output)
    {
        Compact();
        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        else if (_buffer.Length < _initialBytes && _stream.Length - _stream.Position > _buffer.Length - _end)
        {
            // More waiting than fits: read in whole chunks again.
            Array.Resize(ref _buffer, _initialBytes);
        }

        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            return false;
        }

        _end += read;
        SkipByteOrderMark();
        SplitLines(output);
        return true;
    }

    /// <summary>Hands out the half-written last line as if its newline had arrived (the file went idle).</summary>
    public void ReadPartial(List<FileLine> output)
    {
        if (_skippingRestOfLongLine)
        {
            _skippingRestOfLongLine = false;
            _start = _end;
            return;
        }

        if (_end > _start)
        {
            var start = _bufferOffset + _start;
            output.Add(new FileLine(Decode(_start, _end - _start), start, _bufferOffset + _end, false));
            _start = _end;
        }
    }

    /// <summary>Windows tools and .NET's default UTF-8 writers start a file with a BOM; it is not part of the first line.</summary>
    private void SkipByteOrderMark()
    {
        if (_bufferOffset == 0 && _start == 0 && _end >= 3 && _buffer[0] == 0xEF && _buffer[1] == 0xBB && _buffer[2] == 0xBF)
        {
            _start = 3;
        }
    }

    private void SplitLines(List<FileLine> output)
    {
        while (_start < _end)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (_skippingRestOfLongLine)
            {
                if (newline < 0)
                {
                    _start = _end;
                    return;
                }

                _skippingRestOfLongLine = false;
                _start = newline + 1;
                continue;
            }

            if (newline < 0)
            {
                if (_end - _start > _maxLineBytes)
                {
                    // Keep the first part as the line and drop the rest as it streams in.
                    output.Add(new FileLine(Decode(_start, _maxLineBytes), _bufferOffset + _start, _bufferOffset + _end, true));
                    _skippingRestOfLongLine = true;
                    _start = _end;
                }

                return;
            }

            var length = newline - _start;
            var truncated = length > _maxLineBytes;
            var text = Decode(_start, truncated ? _maxLineBytes : length);
            output.Add(new FileLine(text, _bufferOffset + _start, _bufferOffset + newline + 1, truncated));
            _start = newline + 1;
        }
    }

    private string Decode(int start, int length)
    {
        if (length > 0 && _buffer[start + length - 1] == (byte)'\r')
        {
            length--;
        }

        return Utf8.GetString(_buffer, start, length);
    }

    /// <summary>The file went quiet: give back the read chunk, keeping whatever half line is buffered.</summary>
    public void Trim()
    {
        Compact();
        if (_buffer.Length > IdleBytes && _end <= IdleBytes / 2)
        {
            var small = new byte[IdleBytes];
            Buffer.BlockCopy(_buffer, 0, small, 0, _end);
            _buffer = small;
        }
    }

    private void Compact()
    {
        if (_start == 0)
        {
            return;
        }

        var remaining = _end - _start;
        if (_buffer.Length > _initialBytes && remaining <= _initialBytes / 2)
        {
            // A long line grew the buffer; it is gone, so its memory goes too.
            var smaller = new byte[_initialBytes];
            Buffer.BlockCopy(_buffer, _start, smaller, 0, remaining);
            _buffer = smaller;
        }
        else if (remaining > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, remaining);
        }

        _bufferOffset += _start;
        _start = 0;
        _end = remaining;
    }

    public void Dispose()
    {
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }
}
