namespace LogAggregator.Ingestion.Protocols;

/// <summary>A body a protocol endpoint cannot accept at all; the host answers 400 naming <see cref="Field"/>.</summary>
public sealed class ProtocolException(string field, string detail) : FormatException(detail)
{
    public string Field { get; } = field;
}
