using System.Text;
using System.Text.Json;
using LogAggregator.Ingestion;
using LogAggregator.Model;

namespace LogAggregator.Benchmarks;

/// <summary>One tailed file's bytes and the entries the server's own parser makes of them.</summary>
public sealed record LogFile(string Name, byte[] Content, int Lines, List<LogEntry> Entries);

/// <summary>
/// The generated lines, once, for all three measurements: as files to tail, as the parsed rows of the bare load,
/// and as NDJSON bodies carrying those same rows.
/// </summary>
public sealed class Workload
{
    private Workload(List<LogFile> files) => Files = files;

    public List<LogFile> Files { get; }

    public int Lines => Files.Sum(f => f.Lines);

    public int Entries => Files.Sum(f => f.Entries.Count);

    public long Bytes => Files.Sum(f => (long)f.Content.Length);

    public IEnumerable<LogEntry> AllEntries => Files.SelectMany(f => f.Entries);

    /// <summary>
    /// Agents are spread over <paramref name="fileCount"/> files (agent index mod count), each named after its first
    /// agent: a host shipping several services' logs. Lines without an agent of their own belong to the file's.
    /// </summary>
    public static Workload Generate(int lines, int fileCount, string logDir)
    {
        fileCount = Math.Clamp(fileCount, 1, LineGenerator.Agents.Length);
        var generator = new LineGenerator();
        var text = Enumerable.Range(0, fileCount).Select(_ => new StringBuilder()).ToArray();
        var counts = new int[fileCount];
        var agentRandom = new Random(7);
        for (var total = 0; total < lines;)
        {
            // Skewed: a few chatty agents write most of the lines, as in a real fleet.
            var agent = (int)(LineGenerator.Agents.Length * Math.Pow(agentRandom.NextDouble(), 2));
            var file = agent % fileCount;
            foreach (var line in generator.Next(LineGenerator.Agents[agent]))
            {
                text[file].Append(line).Append('\n');
                counts[file]++;
                total++;
            }
        }

        var now = DateTime.UtcNow;
        var files = new List<LogFile>(fileCount);
        for (var i = 0; i < fileCount; i++)
        {
            var name = LineGenerator.Agents[i].ToLowerInvariant() + ".log";
            var content = Encoding.UTF8.GetBytes(text[i].ToString());
            files.Add(new LogFile(name, content, counts[i], Parse(Path.Combine(logDir, name), text[i].ToString(), now)));
        }

        return new Workload(files);
    }

    /// <summary>Parses the files again and counts the entries: times the parser stage on its own.</summary>
    public int Reparse()
    {
        var now = DateTime.UtcNow;
        return Files.Sum(f => Parse(f.Name, Encoding.UTF8.GetString(f.Content), now).Count);
    }

    /// <summary>Exactly what a tailer does with the file: the assembler joins stack traces, then the last entry is flushed.</summary>
    private static List<LogEntry> Parse(string path, string content, DateTime now)
    {
        var assembler = new MultiLineAssembler(path, 0, new FixedClock(now));
        var entries = new List<LogEntry>();
        long offset = 0;
        foreach (var line in content.Split('\n'))
        {
            offset += Encoding.UTF8.GetByteCount(line) + 1;
            if (assembler.Add(line, offset) is { } entry)
            {
                entries.Add(entry.Entry);
            }
        }

        if (assembler.Flush() is { } last)
        {
            entries.Add(last.Entry);
        }

        return entries;
    }

    /// <summary>The same rows as NDJSON bodies of <paramref name="linesPerBody"/> entries each, in file order.</summary>
    public List<byte[]> NdjsonBodies(int linesPerBody)
    {
        var bodies = new List<byte[]>();
        var buffer = new MemoryStream();
        using var writer = new Utf8JsonWriter(buffer);
        var inBody = 0;
        foreach (var entry in AllEntries)
        {
            writer.WriteStartObject();
            writer.WriteString("timestamp", entry.Timestamp.ToString("O"));
            writer.WriteString("level", entry.Level.Name());
            writer.WriteString("agent", entry.Agent);
            writer.WriteString("message", entry.Message);
            writer.WriteString("source", entry.Source);
            writer.WritePropertyName("metadata");
            writer.WriteRawValue(entry.Metadata, skipInputValidation: true);
            writer.WriteEndObject();
            writer.Flush();
            writer.Reset();
            buffer.WriteByte((byte)'\n');
            if (++inBody == linesPerBody)
            {
                bodies.Add(buffer.ToArray());
                buffer.SetLength(0);
                inBody = 0;
            }
        }

        if (inBody > 0)
        {
            bodies.Add(buffer.ToArray());
        }

        return bodies;
    }

    private sealed class FixedClock(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(now, TimeSpan.Zero);
    }
}
