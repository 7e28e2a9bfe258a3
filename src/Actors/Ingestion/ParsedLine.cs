using LogAggregator.Model;

namespace LogAggregator.Ingestion;

/// <summary>The formats of DESIGN.md §3, in the order they are tried.</summary>
public enum LineFormat : byte
{
    Json,
    Standard,
    Bracketed,
    Simple,
    Plain,
}

/// <summary>
/// One tailed line, read on its own. <see cref="IsContinuation"/> says whether it would continue the previous
/// entry of its file; the <see cref="MultiLineAssembler"/> decides what to do with that.
/// </summary>
public readonly record struct ParsedLine(LogEntry Entry, LineFormat Format, bool IsContinuation);
