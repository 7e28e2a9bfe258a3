using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LogAggregator.EndToEnd.Tests.RotationSoak;

/// <summary>
/// What the server stored of the soak, counted per writer: each line of writer N carries agent WN and the message
/// "wN 0000123", so every stored entry is either one of those (present once, or doubled) or garbage (another agent,
/// a message of another shape, a sequence number never written). Reads back through the HTTP API only.
/// </summary>
internal sealed partial class SoakTally
{
    private readonly List<WriterTally> _writers = [];
    private readonly List<string> _garbage = [];
    private long _garbageCount;

    public bool Exact => _garbageCount == 0 && _writers.All(w => w.Missing.Count == 0 && w.Doubled.Count == 0);

    /// <summary>Entries per writer agent plus all entries: what settling waits on.</summary>
    public static async Task<long[]> CountsAsync(ServerProcess server, IReadOnlyList<SoakWriter> writers)
    {
        var counts = new long[writers.Count + 1];
        for (var i = 0; i < writers.Count; i++)
        {
            counts[i] = await TotalAsync(server, $"&agent={writers[i].Agent}");
        }

        counts[^1] = await TotalAsync(server, "");
        return counts;
    }

    /// <summary>Per writer: its agent, lines written, sequence numbers missing, sequence numbers stored more than once.</summary>
    public IEnumerable<(string Agent, int Written, int Missing, int Doubled)> Writers =>
        _writers.Select(w => (w.Writer.Agent, w.Writer.Written, w.Missing.Count, w.Doubled.Count));

    /// <summary>
    /// Reads back what the writers wrote; every entry of another agent is garbage, except those of
    /// <paramref name="talliedElsewhere"/> (a soak that posts entries too counts those itself).
    /// </summary>
    public static async Task<SoakTally> ReadAsync(
        ServerProcess server, IReadOnlyList<SoakWriter> writers, IEnumerable<string>? talliedElsewhere = null)
    {
        var tally = new SoakTally();
        foreach (var writer in writers)
        {
            var seen = new Dictionary<int, int>();
            foreach (var entry in await server.AllEntriesAsync($"&agent={writer.Agent}"))
            {
                var message = entry.GetProperty("message").GetString() ?? "";
                var match = WriterLine().Match(message);
                if (match.Success && match.Groups[1].Value == writer.Id.ToString() && int.Parse(match.Groups[2].Value) is var sequence
                    && sequence < writer.Written)
                {
                    seen[sequence] = seen.GetValueOrDefault(sequence) + 1;
                }
                else
                {
                    tally.AddGarbage(entry);
                }
            }

            tally._writers.Add(new WriterTally(
                writer,
                Enumerable.Range(0, writer.Written).Where(s => !seen.ContainsKey(s)).ToList(),
                seen.Where(s => s.Value > 1).OrderBy(s => s.Key).ToList()));
        }

        var writerAgents = writers.Select(w => w.Agent).Concat(talliedElsewhere ?? []).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var agents = (await server.GetJsonAsync("/api/agents")).GetProperty("agents").EnumerateArray().Select(a => a.GetString()!);
        foreach (var agent in agents.Where(a => !writerAgents.Contains(a)))
        {
            var page = await server.GetJsonAsync($"/api/logs?limit=5&agent={Uri.EscapeDataString(agent)}");
            tally._garbageCount += page.GetProperty("total").GetInt64() - page.GetProperty("logs").GetArrayLength();
            foreach (var entry in page.GetProperty("logs").EnumerateArray())
            {
                tally.AddGarbage(entry);
            }
        }

        return tally;
    }

    private void AddGarbage(JsonElement entry)
    {
        _garbageCount++;
        if (_garbage.Count < 8)
        {
            var message = entry.GetProperty("message").GetString() ?? "";
            _garbage.Add($"agent {entry.GetProperty("agent")} from {entry.GetProperty("source")}: "
                + JsonSerializer.Serialize(message.Length > 120 ? message[..120] + "…" : message));
        }
    }

    /// <summary>Per writer: lines written, missing and doubled with their sequence ranges; then the garbage.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var w in _writers)
        {
            text.Append($"  {w.Writer.Agent} ({Path.GetFileName(w.Writer.Path)}): {w.Writer.Written} written, "
                + $"{w.Missing.Count} missing, {w.Doubled.Count} doubled ({w.Doubled.Sum(d => d.Value - 1)} extra copies)");
            text.Append($"; reopened {w.Writer.Reopens}×, paused {w.Writer.Pauses}×\n");
            if (w.Missing.Count > 0)
            {
                text.Append("    missing: ").Append(Ranges(w.Missing)).Append('\n');
                foreach (var file in w.Missing.Select(w.Writer.FileOf).Distinct().Take(6))
                {
                    text.Append("      written to ").Append(file).Append('\n');
                }
            }

            if (w.Doubled.Count > 0)
            {
                text.Append("    doubled: ").Append(Ranges(w.Doubled.Select(d => d.Key).ToList())).Append('\n');
            }
        }

        text.Append($"  garbage entries: {_garbageCount}\n");
        foreach (var sample in _garbage)
        {
            text.Append("    ").Append(sample).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>"120–133 (14), 400 (1), …": where losses cluster shows which rotation or restart caused them.</summary>
    public static string Ranges(List<int> sorted)
    {
        var ranges = new List<string>();
        for (var i = 0; i < sorted.Count;)
        {
            var j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }

            ranges.Add(i == j ? $"{sorted[i]}" : $"{sorted[i]}–{sorted[j]} ({j - i + 1})");
            i = j + 1;
        }

        return ranges.Count <= 12
            ? string.Join(", ", ranges)
            : string.Join(", ", ranges.Take(12)) + $", … {ranges.Count} ranges in all";
    }

    private static async Task<long> TotalAsync(ServerProcess server, string filter) =>
        (await server.GetJsonAsync("/api/logs?limit=1" + filter)).GetProperty("total").GetInt64();

    [GeneratedRegex(@"^w(\d+) (\d{7})$")]
    private static partial Regex WriterLine();

    private sealed record WriterTally(SoakWriter Writer, List<int> Missing, List<KeyValuePair<int, int>> Doubled);
}
