using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using LogAggregator.Model;

namespace LogAggregator.Ingestion.Protocols;

/// <summary>
/// Writes one entry's metadata object at a time, reusing its buffer across the entries of a request. The first
/// member of a name wins, so callers write the most specific members first (a record's own attributes before its
/// resource's) and the object never holds a name twice.
/// </summary>
internal sealed class MetadataBuilder
{
    private static readonly JsonWriterOptions Options = new()
    {
        // Kept readable: metadata is searched as text, and \u escapes of every non-ASCII letter would defeat that.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly List<string> _names = [];
    private readonly Utf8JsonWriter _writer;

    public MetadataBuilder() => _writer = new Utf8JsonWriter(_buffer, Options);

    public Utf8JsonWriter Writer => _writer;

    public void Begin()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _names.Clear();
        _writer.WriteStartObject();
    }

    /// <summary>False when the name was written already: the caller then writes no value.</summary>
    public bool Name(string name)
    {
        foreach (var written in _names)
        {
            if (string.Equals(written, name, StringComparison.Ordinal))
            {
                return false;
            }
        }

        _names.Add(name);
        _writer.WritePropertyName(name);
        return true;
    }

    public void String(string name, string value)
    {
        if (Name(name))
        {
            _writer.WriteStringValue(value);
        }
    }

    public void Number(string name, long value)
    {
        if (Name(name))
        {
            _writer.WriteNumberValue(value);
        }
    }

    /// <summary>A value given as JSON text (a CLEF property, a Loki label object), copied as it is.</summary>
    public void Raw(string name, ReadOnlySpan<byte> json)
    {
        if (Name(name))
        {
            _writer.WriteRawValue(json, skipInputValidation: true);
        }
    }

    public string End()
    {
        _writer.WriteEndObject();
        _writer.Flush();
        return _names.Count == 0 ? LogEntry.EmptyMetadata : Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }
}
