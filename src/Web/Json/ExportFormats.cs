using System.Buffers;
using System.Text;
using System.Text.Json;
using LogAggregator.Model;

namespace LogAggregator.Web.Json;

public enum ExportFormat
{
    Ndjson,
    Csv,
}

/// <summary>How a page of entries is written in each export format; both write the contract's entry fields.</summary>
public static class ExportFormats
{
    public static readonly string[] CsvColumns = ["id", "timestamp", "level", "agent", "message", "source", "metadata"];

    public static bool TryParse(string? text, out ExportFormat format)
    {
        format = ExportFormat.Ndjson;
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Equals("ndjson", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        format = ExportFormat.Csv;
        return text.Trim().Equals("csv", StringComparison.OrdinalIgnoreCase);
    }

    public static string MediaType(this ExportFormat format) => format == ExportFormat.Csv ? "text/csv; charset=utf-8" : "application/x-ndjson";

    public static string Extension(this ExportFormat format) => format == ExportFormat.Csv ? "csv" : "ndjson";

    public static void WriteHeader(ExportFormat format, IBufferWriter<byte> output)
    {
        if (format == ExportFormat.Csv)
        {
            Encoding.UTF8.GetBytes(string.Join(',', CsvColumns) + "\r\n", output);
        }
    }

    public static void WritePage(ExportFormat format, IReadOnlyList<StoredEntry> entries, IBufferWriter<byte> output)
    {
        if (format == ExportFormat.Csv)
        {
            WriteCsv(entries, output);
        }
        else
        {
            WriteNdjson(entries, output);
        }
    }

    /// <summary>
    /// One entry a line. Metadata is copied as the agent sent it, and valid JSON has line breaks only between tokens,
    /// so turning them into spaces keeps its meaning and the entry on its line.
    /// </summary>
    private static void WriteNdjson(IReadOnlyList<StoredEntry> entries, IBufferWriter<byte> output)
    {
        var line = new ArrayBufferWriter<byte>(512);
        using var json = new Utf8JsonWriter(line);
        foreach (var entry in entries)
        {
            line.ResetWrittenCount();
            json.Reset(line);
            json.WriteStartObject();
            EntryJson.WriteFields(json, entry);
            json.WriteEndObject();
            json.Flush();
            var bytes = output.GetSpan(line.WrittenCount + 1);
            line.WrittenSpan.CopyTo(bytes);
            bytes[..line.WrittenCount].Replace((byte)'\n', (byte)' ');
            bytes[..line.WrittenCount].Replace((byte)'\r', (byte)' ');
            bytes[line.WrittenCount] = (byte)'\n';
            output.Advance(line.WrittenCount + 1);
        }
    }

    private static void WriteCsv(IReadOnlyList<StoredEntry> entries, IBufferWriter<byte> output)
    {
        var text = new StringBuilder(entries.Count * 200);
        foreach (var stored in entries)
        {
            var e = stored.Entry;
            Cell(text, stored.Id).Append(',');
            Cell(text, EntryJson.FormatTimestamp(e.Timestamp)).Append(',');
            Cell(text, e.Level.Name()).Append(',');
            Cell(text, e.Agent).Append(',');
            Cell(text, e.Message).Append(',');
            Cell(text, e.Source).Append(',');
            Cell(text, string.IsNullOrEmpty(e.Metadata) ? LogEntry.EmptyMetadata : e.Metadata).Append("\r\n");
        }

        Encoding.UTF8.GetBytes(text.ToString(), output);
    }

    /// <summary>
    /// RFC 4180: a cell holding a comma, quote, line break (or NUL, which some readers stop at) is quoted, quotes
    /// doubled. A cell a spreadsheet would run as a formula (starting = + - @, or a tab or CR before one) gets a
    /// leading apostrophe (OWASP's advice against CSV injection): the text stays readable and runs nothing.
    /// </summary>
    internal static StringBuilder Cell(StringBuilder text, string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n\0") < 0
            ? text.Append(value)
            : text.Append('"').Append(value.Replace("\"", "\"\"")).Append('"');
    }
}
