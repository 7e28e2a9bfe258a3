using System.Diagnostics.CodeAnalysis;
using LogAggregator.Model;

namespace LogAggregator.Ingestion;

/// <summary>
/// A POSTed entry read from JSON: either <see cref="Entry"/>, or the field that made it unacceptable
/// (<see cref="RootField"/> when the body itself is not a JSON object) and why.
/// </summary>
public sealed record JsonEntryResult(LogEntry? Entry, string? ErrorField, string? Error)
{
    public const string RootField = "$";

    [MemberNotNullWhen(true, nameof(Entry))]
    [MemberNotNullWhen(false, nameof(ErrorField), nameof(Error))]
    public bool IsValid => Entry is not null;

    internal static JsonEntryResult Ok(LogEntry entry) => new(entry, null, null);

    internal static JsonEntryResult Fail(string field, string error) => new(null, field, error);
}
