using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using LogAggregator.Alerting;
using LogAggregator.Ingestion;
using LogAggregator.Querying;
using LogAggregator.Storage;

namespace LogAggregator.Serialization;

/// <summary>
/// Serializes everything this project persists (tailer checkpoints, the tailed files, alert decisions and the outbox) or sends between nodes (agent store
/// commands and answers, live-tail events) as JSON under a stable manifest, so stored state never depends on CLR type names
/// or on Akka's default serializer.
/// </summary>
public sealed class LogAggregatorSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 4062;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);

    /// <summary>Manifest ↔ type. Manifests are part of the stored data: never rename one.</summary>
    private static readonly (string Manifest, Type Type)[] Types =
    [
        // The per-path checkpoints before issue 7: only read (an upgrade takes them over), never written again.
        ("checkpoint-advanced", typeof(LegacyCheckpoints.CheckpointAdvanced)),
        ("tailer-checkpoint", typeof(LegacyCheckpoints.TailerCheckpoint)),
        ("tailed-file-started", typeof(FileTailerProtocol.TailedFileStarted)),
        ("tailed-file-adopted", typeof(FileTailerProtocol.TailedFileAdopted)),
        ("tailed-file-advanced", typeof(FileTailerProtocol.TailedFileAdvanced)),
        ("tailed-file-checkpoint", typeof(FileTailerProtocol.TailedFileCheckpoint)),
        ("file-found", typeof(SourceDiscoveryProtocol.FileFound)),
        ("file-forgotten", typeof(SourceDiscoveryProtocol.FileForgotten)),
        ("known-files", typeof(SourceDiscoveryProtocol.KnownFiles)),
        ("store-entries", typeof(AgentStoreProtocol.StoreEntries)),
        ("store-entries-result", typeof(AgentStoreProtocol.StoreEntriesResult)),
        ("entries-stored", typeof(LiveTailProtocol.EntriesStored)),
        ("alert-deliver", typeof(AlertNotifierProtocol.Deliver)),
        ("alert-delivery-accepted", typeof(AlertNotifierProtocol.DeliveryAccepted)),
        ("alert-queued", typeof(AlertLogEvents.AlertQueued)),
        ("alert-delivery-attempted", typeof(AlertLogEvents.DeliveryAttempted)),
        ("alert-delivered", typeof(AlertLogEvents.AlertDelivered)),
        ("alert-silenced", typeof(AlertLogEvents.AlertSilenced)),
        ("silence-created", typeof(AlertLogEvents.SilenceCreated)),
        ("silence-deleted", typeof(AlertLogEvents.SilenceDeleted)),
        ("alert-log-snapshot", typeof(AlertLogSnapshot)),
        ("alerts-list", typeof(AlertNotifierProtocol.ListAlerts)),
        ("alerts-list-response", typeof(AlertNotifierProtocol.ListAlertsResponse)),
        ("alert-get", typeof(AlertNotifierProtocol.GetAlert)),
        ("alert-get-response", typeof(AlertNotifierProtocol.GetAlertResponse)),
        ("silence-create", typeof(AlertNotifierProtocol.CreateSilence)),
        ("silence-create-response", typeof(AlertNotifierProtocol.CreateSilenceResponse)),
        ("silences-list", typeof(AlertNotifierProtocol.ListSilences)),
        ("silences-list-response", typeof(AlertNotifierProtocol.ListSilencesResponse)),
        ("silence-delete", typeof(AlertNotifierProtocol.DeleteSilence)),
        ("silence-delete-response", typeof(AlertNotifierProtocol.DeleteSilenceResponse)),
        ("record-occurrences", typeof(AlertThresholdProtocol.RecordOccurrences)),
        ("alert-raised", typeof(AlertThresholdProtocol.AlertRaised)),
        ("alert-threshold-state", typeof(AlertThresholdProtocol.AlertThresholdState)),
        ("alert-handed-over", typeof(AlertHandedOver)),
        ("alert-cooldown-noted", typeof(AlertThresholdProtocol.CooldownNoted)),
        ("summary-scheduled", typeof(DailySummaryProtocol.SummaryScheduled)),
        ("summary-raised", typeof(DailySummaryProtocol.SummaryRaised)),
        ("daily-summary-state", typeof(DailySummaryProtocol.DailySummaryState)),
        ("agent-went-silent", typeof(SilentAgentCheckProtocol.AgentWentSilent)),
        ("silence-ended", typeof(SilentAgentCheckProtocol.SilenceEnded)),
        ("silent-agent-state", typeof(SilentAgentCheckProtocol.SilentAgentState)),
    ];

    private static readonly Dictionary<Type, string> ManifestOf = Types.ToDictionary(t => t.Type, t => t.Manifest);
    private static readonly Dictionary<string, Type> TypeOf = Types.ToDictionary(t => t.Manifest, t => t.Type);

    public static IEnumerable<Type> BoundTypes => Types.Select(t => t.Type);

    /// <summary>The HOCON that binds <see cref="BoundTypes"/> to this serializer.</summary>
    public static Config Configuration
    {
        get
        {
            var shortName = $"{typeof(LogAggregatorSerializer).FullName}, {typeof(LogAggregatorSerializer).Assembly.GetName().Name}";
            var bindings = string.Join("\n", Types.Select(t =>
                $"\"{t.Type.FullName}, {t.Type.Assembly.GetName().Name}\" = log-aggregator"));
            return ConfigurationFactory.ParseString($$"""
                akka.actor {
                  serializers.log-aggregator = "{{shortName}}"
                  serialization-identifiers { "{{shortName}}" = {{SerializerId}} }
                  serialization-bindings {
                    {{bindings}}
                  }
                }
                """);
        }
    }

    public override int Identifier => SerializerId;

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Json);

    public override object FromBinary(byte[] bytes, string manifest) =>
        TypeOf.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, Json)!
            : throw new SerializationException($"Unknown manifest '{manifest}' for {nameof(LogAggregatorSerializer)}");

    public override string Manifest(object o) =>
        ManifestOf.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType()} is not bound to {nameof(LogAggregatorSerializer)}");
}
