using System.Text;
using System.Text.Json;
using Akka.Event;
using LogAggregator.Configuration;
using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Ingestion;

/// <summary>
/// Keeps the agent names of one tailed file within the limits before its entries reach the shard region: a name
/// over <see cref="IngestionSettings.MaxAgentLength"/> is cut, and the lines of a new agent beyond
/// <see cref="IngestionSettings.MaxAgentsPerDay"/> are stored under the file's own agent (always admitted: files
/// are few) with the name they gave kept in metadata as <c>original_agent</c>, so nothing of a file is lost and no
/// store entity is made for the refused agent. One warning per file and agent. Not thread-safe; one per tailer.
/// </summary>
internal sealed class TailedAgents(string path, IngestionSettings settings, ILogStore store, ILoggingAdapter log)
{
    /// <summary>Past this, refusals are asked of the store again rather than remembered: a file naming millions of agents must not grow the tailer.</summary>
    private const int MaxRemembered = 10_000;

    public const string OriginalAgentField = "original_agent";

    private readonly string _fileAgent = AgentNames.FromPath(path);
    private readonly HashSet<string> _admitted = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);
    private DateOnly _day;

    public LogEntry Admit(LogEntry entry)
    {
        if (entry.Agent.Length > settings.MaxAgentLength)
        {
            var cut = Cut(entry.Agent, settings.MaxAgentLength);
            if (Remember(_warned, "cut:" + cut))
            {
                log.Warning("{Path}: an agent name of {Length} characters was cut to {Max}: {Agent}", path, entry.Agent.Length, cut.Length, cut);
            }

            entry = entry with { Agent = cut };
        }

        var key = entry.AgentKey;
        if (key == _fileAgent)
        {
            return entry;
        }

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        if (today != _day)
        {
            _day = today;
            _admitted.Clear();
            _refused.Clear();
        }

        if (_admitted.Contains(key))
        {
            return entry;
        }

        if (!_refused.Contains(key))
        {
            // Synchronous on purpose: tailers run on their own dispatcher, and the embedded store answers at once.
            if (store.AdmitAgentsAsync([key], settings.MaxAgentsPerDay).GetAwaiter().GetResult().Count == 0)
            {
                Remember(_admitted, key);
                return entry;
            }

            Remember(_refused, key);
        }

        if (Remember(_warned, key))
        {
            log.Warning(
                "{Path}: agent {Agent} is beyond the limit of {Max} distinct agents per day ({Setting}); its lines are stored under {FileAgent} with {Field} in metadata",
                path, entry.Agent, settings.MaxAgentsPerDay, IngestionSettings.MaxAgentsPerDaySetting, _fileAgent, OriginalAgentField);
        }

        return entry with { Agent = _fileAgent, Metadata = WithOriginalAgent(entry.Metadata, entry.Agent) };
    }

    private static bool Remember(HashSet<string> set, string key) => set.Count < MaxRemembered && set.Add(key);

    /// <summary>Never splits a surrogate pair.</summary>
    internal static string Cut(string agent, int max) =>
        agent[..(char.IsHighSurrogate(agent[max - 1]) ? max - 1 : max)];

    /// <summary>The metadata object with <c>original_agent</c> first, replacing one the line already had.</summary>
    internal static string WithOriginalAgent(string metadata, string agent)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString(OriginalAgentField, agent);
            if (metadata != LogEntry.EmptyMetadata)
            {
                using var document = JsonDocument.Parse(metadata);
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    if (!property.NameEquals(OriginalAgentField))
                    {
                        property.WriteTo(writer);
                    }
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
