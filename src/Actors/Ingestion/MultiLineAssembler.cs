using System.Text;
using LogAggregator.Model;

namespace LogAggregator.Ingestion;

/// <summary>
/// Joins the lines of one file into entries (DESIGN.md §3): stack-trace lines continue the entry before them,
/// so an entry is complete only when the next entry's first line arrives, or on <see cref="Flush"/>.
/// Not thread-safe; one per tailed file.
/// </summary>
public sealed class MultiLineAssembler
{
    // A stack trace once grew a message past a megabyte; past this the builder is dropped rather than kept warm.
    private const int RetainedCapacity = 64 * 1024;

    private readonly string _sourcePath;
    private readonly TimeProvider _clock;
    private StringBuilder _message = new();
    private LogEntry? _pending;
    private long _pendingStart;
    private long _pendingEnd;
    private bool _appended;
    private bool _truncated;
    private bool _afterContinuation;
    private long _position;

    /// <param name="startOffset">Where in the file the first line handed to <see cref="Add"/> begins.</param>
    public MultiLineAssembler(string sourcePath, long startOffset = 0, TimeProvider? clock = null)
    {
        _sourcePath = sourcePath;
        FileAgent = AgentNames.FromPath(sourcePath);
        _position = startOffset;
        _clock = clock ?? TimeProvider.System;
    }

    public string FileAgent { get; }

    /// <summary>Where the entry not yet emitted began; null when nothing is pending.</summary>
    public long? PendingStartOffset => _pending is null ? null : _pendingStart;

    /// <summary>Every byte before this offset has been emitted or skipped: the safe place to resume after a restart.</summary>
    public long CheckpointOffset => _pending is null ? _position : _pendingStart;

    /// <summary>
    /// Feeds one complete line (its newline may be included or not) ending at <paramref name="lineEndOffset"/>.
    /// Returns the entry this line completed, if any: at most one, since a line only ever closes the pending entry.
    /// </summary>
    public ParsedEntry? Add(string line, long lineEndOffset)
    {
        var lineStart = _position;
        _position = lineEndOffset;
        var text = line.AsSpan().TrimEnd();
        if (text.IsEmpty)
        {
            return null;
        }

        var continuation = LogLineParser.IsContinuation(text);
        if (_pending is not null && continuation)
        {
            Append(text, lineEndOffset);
            _afterContinuation = true;
            return null;
        }

        var parsed = LogLineParser.Parse(line, _sourcePath, FileAgent, _clock.GetUtcNow().UtcDateTime);
        if (_pending is not null && _afterContinuation && parsed.Format == LineFormat.Plain)
        {
            // Python closes a traceback with an unindented "ValueError: ..." line.
            Append(text, lineEndOffset);
            _afterContinuation = false;
            return null;
        }

        var completed = Flush();
        _pending = parsed.Entry;
        _pendingStart = lineStart;
        _pendingEnd = lineEndOffset;
        _afterContinuation = continuation;
        return completed;
    }

    /// <summary>Emits the pending entry: the file went idle, or was rotated away, so nothing more will continue it.</summary>
    public ParsedEntry? Flush()
    {
        if (_pending is not { } entry)
        {
            return null;
        }

        if (_appended)
        {
            entry = entry with
            {
                Message = _message.ToString(),
                Metadata = _truncated ? EntryLimits.MarkTruncated(entry.Metadata) : entry.Metadata,
            };
            if (_message.Capacity > RetainedCapacity)
            {
                _message = new StringBuilder();
            }

            _message.Clear();
        }

        var completed = new ParsedEntry(entry, _pendingStart, _pendingEnd);
        _pending = null;
        _appended = false;
        _truncated = false;
        _afterContinuation = false;
        return completed;
    }

    private void Append(ReadOnlySpan<char> text, long lineEndOffset)
    {
        _pendingEnd = lineEndOffset;
        if (!_appended)
        {
            _message.Append(_pending!.Message);
            _appended = true;
        }

        if (_truncated)
        {
            return;
        }

        var room = EntryLimits.MaxMessageLength - _message.Length - 1;
        if (room < text.Length)
        {
            _truncated = true;
            if (room <= 0)
            {
                return;
            }

            text = text[..room];
        }

        _message.Append('\n').Append(text);
    }
}
