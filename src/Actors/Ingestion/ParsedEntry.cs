using LogAggregator.Model;

namespace LogAggregator.Ingestion;

/// <summary>
/// A completed entry and the bytes of its file it came from: <see cref="StartOffset"/> is where its first line
/// began, <see cref="EndOffset"/> just past its last line, which is where a tailer may checkpoint once it is stored.
/// </summary>
public sealed record ParsedEntry(LogEntry Entry, long StartOffset, long EndOffset);
